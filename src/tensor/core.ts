/**
 * The base of the Tensor class: a typed handle to a libtorch tensor, its metadata, lifetime,
 * data, autograd and conversions; and `call`, which runs an ATen operator and wraps its result
 * as a Tensor. The operator methods come in the classes built on this one, one file per group
 * (ops-shape.ts < ops-elementwise.ts < ops-reduce.ts < tensor.ts); tensor.ts's Tensor, the last,
 * registers itself as the class that results are wrapped in.
 */
import { native, type NativeArg, type NativeTensor } from '../binding/native.js';
import { callHandle, callHandles, placeNamed } from './dispatch.js';
import { ARRAY_TYPES, isDType, type AnyTypedArray, type Device, type DType } from './dtype.js';
import { OWNED, track, type Owned } from './scope.js';
import type { Tensor } from './tensor.js';

/** Calls an operator that returns one tensor. */
export function call(op: string, ...args: NativeArg[]): Tensor {
  return wrap(callHandle(op, args));
}

/** Calls an operator with positional arguments followed by named ones (schema names). */
export function callNamed(op: string, positional: NativeArg[], named: Record<string, NativeArg>): Tensor {
  return wrap(callHandle(op, placeNamed(op, positional, named)));
}

/** Calls an operator that returns several tensors. */
export function callMany(op: string, ...args: NativeArg[]): Tensor[] {
  return callHandles(op, args).map(wrap);
}

export type TensorOrNumber = Tensor | number;

let TensorClass: (new (handle: NativeTensor) => Tensor) | null = null;

/** Called once by tensor.ts: the class whose instances operators return. */
export function registerTensorClass(cls: new (handle: NativeTensor) => Tensor): void {
  TensorClass = cls;
}

export function wrap(handle: NativeTensor): Tensor {
  if (!TensorClass) throw new Error('internal error: import Tensor from tensor/tensor.ts, not tensor/core.ts');
  return track(new TensorClass(handle));
}

export class TensorCore implements Owned, Disposable {
  readonly [OWNED] = true as const;
  #meta: [string, string, ...number[]] | undefined;

  /** Internal: tensors are made by creation functions and operators, not by `new`. */
  constructor(readonly handle: NativeTensor) {}

  // --- metadata ---------------------------------------------------------------------
  private get meta(): [string, string, ...number[]] {
    return (this.#meta ??= native.meta(this.handle));
  }
  get shape(): number[] {
    return this.meta.slice(2) as number[];
  }
  get dtype(): DType {
    return this.meta[0] as DType;
  }
  get device(): Device {
    return this.meta[1];
  }
  get ndim(): number {
    return this.meta.length - 2;
  }
  /** Size of dimension `dim` (negative counts from the end). */
  size(dim: number): number {
    const s = this.shape;
    const d = dim < 0 ? dim + s.length : dim;
    if (d < 0 || d >= s.length) throw new RangeError(`size(${dim}): tensor has ${s.length} dimensions`);
    return s[d]!;
  }
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  get isFloatingPoint(): boolean {
    return this.dtype.startsWith('float') || this.dtype === 'bfloat16';
  }
  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }

  // --- lifetime ---------------------------------------------------------------------
  /** Frees the native memory now. Further use throws. Idempotent. */
  dispose(): void {
    native.dispose(this.handle);
  }
  get isDisposed(): boolean {
    return native.isDisposed(this.handle);
  }
  /** Frees the tensor at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  // --- reading data -----------------------------------------------------------------
  /** The value of a one-element tensor. */
  item(): number {
    return Number(native.item(this.handle));
  }
  /** A copy of the data as a typed array of the tensor's dtype (row-major, on the CPU). */
  toTypedArray(): AnyTypedArray {
    return new ARRAY_TYPES[this.dtype](native.toBytes(this.handle));
  }
  /** Like toTypedArray, with the device copy off the JavaScript thread. */
  async toTypedArrayAsync(): Promise<AnyTypedArray> {
    return new ARRAY_TYPES[this.dtype](await native.toBytesAsync(this.handle));
  }
  /** The data as a flat array of numbers. */
  toArray(): number[] {
    return Array.from(this.toTypedArray() as ArrayLike<number | bigint>, Number);
  }
  /** The data as a flat array of numbers, read off the JavaScript thread. */
  async data(): Promise<number[]> {
    return Array.from((await this.toTypedArrayAsync()) as ArrayLike<number | bigint>, Number);
  }

  // --- autograd ---------------------------------------------------------------------
  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle);
  }
  set requiresGrad(on: boolean) {
    native.setRequiresGrad(this.handle, on);
  }
  /** Sets requiresGrad and returns this tensor, as PyTorch's `requires_grad_()`. */
  requiresGrad_(on = true): this {
    native.setRequiresGrad(this.handle, on);
    return this;
  }
  get isLeaf(): boolean {
    return native.isLeaf(this.handle);
  }
  /** The accumulated gradient (a new handle each time), or null. */
  get grad(): Tensor | null {
    const g = native.getGrad(this.handle);
    return g ? wrap(g) : null;
  }
  set grad(g: Tensor | null) {
    native.setGrad(this.handle, g ? g.handle : null);
  }
  /** Back-propagates from this tensor; a scalar needs no `gradient`. */
  backward(gradient?: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    const create = opts.createGraph ?? false;
    native.backward([this.handle], gradient ? [gradient.handle] : null, opts.retainGraph ?? create, create);
  }
  /** The same data cut from the autograd graph (no gradient flows back through it). */
  detach(): Tensor {
    return call('detach', this.handle);
  }

  // --- conversion -------------------------------------------------------------------
  /** To a dtype ('float32', ...), a device ('cpu', 'cuda:0') or both. */
  to(target: Device | { dtype?: DType; device?: Device }, opts: { copy?: boolean } = {}): Tensor {
    const t = typeof target === 'string' ? (isDType(target) ? { dtype: target } : { device: target }) : target;
    return callNamed('to.dtype_layout', [this.handle], {
      dtype: t.dtype ?? null,
      device: t.device ?? null,
      copy: opts.copy ?? false,
    });
  }
  /** Converts to float32 (no copy when it already is). */
  float(): Tensor {
    return this.to('float32');
  }
  /** Converts to float64 (no copy when it already is). */
  double(): Tensor {
    return this.to('float64');
  }
  /** Converts to int64 (no copy when it already is). */
  long(): Tensor {
    return this.to('int64');
  }
  /** Moves to the CPU (no copy when it is there). */
  cpu(): Tensor {
    return this.to({ device: 'cpu' });
  }
  /** Moves to the GPU `cuda:index`. */
  cuda(index = 0): Tensor {
    return this.to({ device: `cuda:${index}` });
  }
  /** A copy of the data, still connected to the autograd graph. */
  clone(): Tensor {
    return call('clone', this.handle);
  }
  /** The data laid out row-major in memory (this tensor's data when it already is). */
  contiguous(): Tensor {
    return call('contiguous', this.handle);
  }
}

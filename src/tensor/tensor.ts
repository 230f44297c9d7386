/**
 * The Tensor class: a typed handle to a libtorch tensor. Every method calls an ATen operator
 * by its schema name through the addon's one generic path (`call`), so autograd, dtype
 * promotion and error checking are libtorch's own. Methods follow PyTorch's names in
 * camelCase; in-place variants end in `_` as in PyTorch.
 */
import { native, type NativeArg, type NativeTensor } from '../binding/native.js';
import { OWNED, track, type Owned } from './scope.js';

export type DType =
  'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';
/** "cpu", "cuda" or "cuda:N". */
export type Device = string;

export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'int32'
        ? Int32Array
        : D extends 'int16'
          ? Int16Array
          : D extends 'int8'
            ? Int8Array
            : D extends 'float16' | 'bfloat16'
              ? Uint16Array
              : Uint8Array;

export type AnyTypedArray =
  Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint16Array | Uint8Array;

const ARRAY_TYPES: Record<DType, new (buf: ArrayBuffer) => AnyTypedArray> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

/** ATen's loss reductions, as its integer enum. */
export const Reduction = { none: 0, mean: 1, sum: 2 } as const;
export type ReductionName = keyof typeof Reduction;

// ---------------------------------------------------------------------------------------
// The generic path: operators by schema name, looked up once and cached.

const opIds = new Map<string, number>();

/** The addon's handle for "name.overload" (the "aten::" prefix is implied). */
export function opId(qualified: string): number {
  let id = opIds.get(qualified);
  if (id === undefined) {
    const dot = qualified.indexOf('.');
    const name = dot < 0 ? qualified : qualified.slice(0, dot);
    const overload = dot < 0 ? '' : qualified.slice(dot + 1);
    id = native.op(name.includes('::') ? name : `aten::${name}`, overload);
    opIds.set(qualified, id);
  }
  return id;
}

/** Calls an operator that returns one tensor. */
export function call(op: string, ...args: NativeArg[]): Tensor {
  return wrap(native.call(opId(op), ...args) as NativeTensor);
}

const argNameCache = new Map<string, string[]>();

/** Argument names of an operator, read from its schema ("self", "other", "alpha", ...). */
export function argNames(op: string): string[] {
  let names = argNameCache.get(op);
  if (!names) {
    const schema = schemaOf(op);
    const inner = schema.slice(schema.indexOf('(') + 1, schema.lastIndexOf(') ->'));
    names = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i <= inner.length; i++) {
      const c = inner[i];
      if (c === '(' || c === '[') depth++;
      else if (c === ')' || c === ']') depth--;
      else if ((c === ',' && depth === 0) || i === inner.length) {
        const part = inner.slice(start, i).trim().split('=')[0]!.trim();
        if (part && part !== '*') names.push(part.split(/\s+/).pop()!);
        start = i + 1;
      }
    }
    argNameCache.set(op, names);
  }
  return names;
}

/** Calls an operator with positional arguments followed by named ones (schema names). */
export function callNamed(op: string, positional: NativeArg[], named: Record<string, NativeArg>): Tensor {
  const names = argNames(op);
  const args: NativeArg[] = [...positional];
  for (const [k, v] of Object.entries(named)) {
    const i = names.indexOf(k);
    if (i < 0) throw new TypeError(`${op} has no argument '${k}' (it takes ${names.join(', ')})`);
    args[i] = v;
  }
  return call(op, ...args);
}

/** Calls an operator that returns several tensors. */
export function callMany(op: string, ...args: NativeArg[]): Tensor[] {
  return (native.call(opId(op), ...args) as NativeTensor[]).map(wrap);
}

/** Calls an in-place operator; its result is an argument the caller already holds. */
export function callInplace(op: string, ...args: NativeArg[]): void {
  native.callVoid(opId(op), ...args);
}

/** The full schema of an operator, e.g. "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor". */
export function schemaOf(op: string): string {
  return native.schema(opId(op));
}

export function wrap(handle: NativeTensor): Tensor {
  return track(new Tensor(handle));
}

type TensorOrNumber = Tensor | number;

// ---------------------------------------------------------------------------------------

export class Tensor implements Owned, Disposable {
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
  detach(): Tensor {
    return call('detach', this.handle);
  }

  // --- conversion -------------------------------------------------------------------
  to(target: DType | Device | { dtype?: DType; device?: Device }, opts: { copy?: boolean } = {}): Tensor {
    const t = typeof target === 'string' ? (isDType(target) ? { dtype: target } : { device: target }) : target;
    return callNamed('to.dtype_layout', [this.handle], {
      dtype: t.dtype ?? null,
      device: t.device ?? null,
      copy: opts.copy ?? false,
    });
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  long(): Tensor {
    return this.to('int64');
  }
  cpu(): Tensor {
    return this.to({ device: 'cpu' });
  }
  cuda(index = 0): Tensor {
    return this.to({ device: `cuda:${index}` });
  }
  clone(): Tensor {
    return call('clone', this.handle);
  }
  contiguous(): Tensor {
    return call('contiguous', this.handle);
  }

  // --- shape ------------------------------------------------------------------------
  /** New shape with the same data; one entry may be -1. Copies only when it must. */
  reshape(...shape: number[]): Tensor {
    return call('reshape', this.handle, shape);
  }
  /** New shape sharing the data; the tensor must be contiguous enough. */
  view(...shape: number[]): Tensor {
    return call('view', this.handle, shape);
  }
  permute(...dims: number[]): Tensor {
    return call('permute', this.handle, dims);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return call('transpose.int', this.handle, dim0, dim1);
  }
  /** The diagonal of dims (dim1, dim2), offset above (>0) or below (<0) the main one. */
  diagonal(offset = 0, dim1 = 0, dim2 = 1): Tensor {
    return call('diagonal', this.handle, offset, dim1, dim2);
  }
  /** Transpose of a 2-D tensor. */
  t(): Tensor {
    return call('t', this.handle);
  }
  /** Elements start..end (exclusive, negative counts from the end) of `dim`, every `step`th. */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return call('slice.Tensor', this.handle, dim, start ?? null, end ?? null, step);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return call('narrow', this.handle, dim, start, length);
  }
  /** Entry `index` of dimension `dim`, removing that dimension. */
  select(dim: number, index: number): Tensor {
    return call('select.int', this.handle, dim, index);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return call('index_select', this.handle, dim, index.handle);
  }
  gather(dim: number, index: Tensor): Tensor {
    return call('gather', this.handle, dim, index.handle, false);
  }
  squeeze(dim?: number): Tensor {
    return dim === undefined ? call('squeeze', this.handle) : call('squeeze.dim', this.handle, dim);
  }
  unsqueeze(dim: number): Tensor {
    return call('unsqueeze', this.handle, dim);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return call('flatten.using_ints', this.handle, startDim, endDim);
  }
  /** Broadcast view to `shape` (-1 keeps a dimension). */
  expand(...shape: number[]): Tensor {
    return call('expand', this.handle, shape, false);
  }
  repeat(...repeats: number[]): Tensor {
    return call('repeat', this.handle, repeats);
  }
  /** Splits into pieces of `size` along `dim`. */
  split(size: number, dim = 0): Tensor[] {
    return callMany('split.Tensor', this.handle, size, dim);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return callMany('chunk', this.handle, chunks, dim);
  }

  // --- elementwise arithmetic -------------------------------------------------------
  /** this + alpha * other */
  add(other: TensorOrNumber, alpha = 1): Tensor {
    return typeof other === 'number'
      ? call('add.Scalar', this.handle, other, alpha)
      : call('add.Tensor', this.handle, other.handle, alpha);
  }
  /** this - alpha * other */
  sub(other: TensorOrNumber, alpha = 1): Tensor {
    return typeof other === 'number'
      ? call('sub.Scalar', this.handle, other, alpha)
      : call('sub.Tensor', this.handle, other.handle, alpha);
  }
  mul(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('mul.Scalar', this.handle, other)
      : call('mul.Tensor', this.handle, other.handle);
  }
  div(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('div.Scalar', this.handle, other)
      : call('div.Tensor', this.handle, other.handle);
  }
  pow(exponent: TensorOrNumber): Tensor {
    return typeof exponent === 'number'
      ? call('pow.Tensor_Scalar', this.handle, exponent)
      : call('pow.Tensor_Tensor', this.handle, exponent.handle);
  }
  neg(): Tensor {
    return call('neg', this.handle);
  }
  exp(): Tensor {
    return call('exp', this.handle);
  }
  log(): Tensor {
    return call('log', this.handle);
  }
  log1p(): Tensor {
    return call('log1p', this.handle);
  }
  sqrt(): Tensor {
    return call('sqrt', this.handle);
  }
  rsqrt(): Tensor {
    return call('rsqrt', this.handle);
  }
  square(): Tensor {
    return call('square', this.handle);
  }
  abs(): Tensor {
    return call('abs', this.handle);
  }
  sign(): Tensor {
    return call('sign', this.handle);
  }
  floor(): Tensor {
    return call('floor', this.handle);
  }
  round(): Tensor {
    return call('round', this.handle);
  }
  reciprocal(): Tensor {
    return call('reciprocal', this.handle);
  }
  sin(): Tensor {
    return call('sin', this.handle);
  }
  cos(): Tensor {
    return call('cos', this.handle);
  }
  /** Clamps to [min, max]; either bound may be omitted. */
  clamp(min?: number | null, max?: number | null): Tensor {
    return call('clamp', this.handle, min ?? null, max ?? null);
  }
  maximum(other: Tensor): Tensor {
    return call('maximum', this.handle, other.handle);
  }
  minimum(other: Tensor): Tensor {
    return call('minimum', this.handle, other.handle);
  }
  /** log(exp(this) + exp(other)), computed stably; logaddexp(x, 0) is softplus(x). */
  logaddexp(other: Tensor): Tensor {
    return call('logaddexp', this.handle, other.handle);
  }
  /** this + weight * (end - this) */
  lerp(end: Tensor, weight: number): Tensor {
    return call('lerp.Scalar', this.handle, end.handle, weight);
  }

  // --- activations ------------------------------------------------------------------
  sigmoid(): Tensor {
    return call('sigmoid', this.handle);
  }
  tanh(): Tensor {
    return call('tanh', this.handle);
  }
  relu(): Tensor {
    return call('relu', this.handle);
  }
  leakyRelu(negativeSlope = 0.01): Tensor {
    return call('leaky_relu', this.handle, negativeSlope);
  }
  /** log(1 + exp(beta * x)) / beta, linear above `threshold` as in PyTorch. */
  softplus(beta = 1, threshold = 20): Tensor {
    return call('softplus', this.handle, beta, threshold);
  }
  logSigmoid(): Tensor {
    return call('log_sigmoid', this.handle);
  }
  softmax(dim: number): Tensor {
    return call('softmax.int', this.handle, dim);
  }
  logSoftmax(dim: number): Tensor {
    return call('log_softmax.int', this.handle, dim);
  }

  // --- comparisons (bool results) ---------------------------------------------------
  eq(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('eq.Scalar', this.handle, other)
      : call('eq.Tensor', this.handle, other.handle);
  }
  ne(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('ne.Scalar', this.handle, other)
      : call('ne.Tensor', this.handle, other.handle);
  }
  gt(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('gt.Scalar', this.handle, other)
      : call('gt.Tensor', this.handle, other.handle);
  }
  ge(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('ge.Scalar', this.handle, other)
      : call('ge.Tensor', this.handle, other.handle);
  }
  lt(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('lt.Scalar', this.handle, other)
      : call('lt.Tensor', this.handle, other.handle);
  }
  le(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('le.Scalar', this.handle, other)
      : call('le.Tensor', this.handle, other.handle);
  }
  isFinite(): Tensor {
    return call('isfinite', this.handle);
  }
  /** True when every element is non-zero (a bool scalar tensor). */
  all(): Tensor {
    return call('all', this.handle);
  }
  any(): Tensor {
    return call('any', this.handle);
  }

  // --- reductions -------------------------------------------------------------------
  /** Sum of all elements, or over `dim` (a number or list). */
  sum(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? call('sum', this.handle) : call('sum.dim_IntList', this.handle, dims(dim), keepdim);
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? call('mean', this.handle) : call('mean.dim', this.handle, dims(dim), keepdim);
  }
  /** Maximum of all elements (a scalar tensor). */
  max(): Tensor {
    return call('max', this.handle);
  }
  /** Maximum along `dim`, with the index of each maximum. */
  maxDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = callMany('max.dim', this.handle, dim, keepdim) as [Tensor, Tensor];
    return { values, indices };
  }
  min(): Tensor {
    return call('min', this.handle);
  }
  minDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = callMany('min.dim', this.handle, dim, keepdim) as [Tensor, Tensor];
    return { values, indices };
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return call('argmax', this.handle, dim ?? null, keepdim);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return call('argmin', this.handle, dim ?? null, keepdim);
  }
  /** log(sum(exp(x))) over `dim`, computed stably. */
  logsumexp(dim: number | number[], keepdim = false): Tensor {
    return call('logsumexp', this.handle, dims(dim), keepdim);
  }
  /** Variance over `dim` (all elements when omitted); `correction` 1 is the unbiased estimate. */
  var(dim?: number | number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return call(
      'var.correction',
      this.handle,
      dim === undefined ? null : dims(dim),
      opts.correction ?? 1,
      opts.keepdim ?? false,
    );
  }
  std(dim?: number | number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return call(
      'std.correction',
      this.handle,
      dim === undefined ? null : dims(dim),
      opts.correction ?? 1,
      opts.keepdim ?? false,
    );
  }
  /** p-norm of all elements. */
  norm(p = 2): Tensor {
    return call('norm.Scalar', this.handle, p);
  }

  // --- linear algebra ---------------------------------------------------------------
  matmul(other: Tensor): Tensor {
    return call('matmul', this.handle, other.handle);
  }
  mm(other: Tensor): Tensor {
    return call('mm', this.handle, other.handle);
  }
  bmm(other: Tensor): Tensor {
    return call('bmm', this.handle, other.handle);
  }

  // --- in place (for optimizers and buffers; not for tensors autograd needs) ---------
  add_(other: TensorOrNumber, alpha = 1): this {
    if (typeof other === 'number') callInplace('add_.Scalar', this.handle, other, alpha);
    else callInplace('add_.Tensor', this.handle, other.handle, alpha);
    return this;
  }
  sub_(other: TensorOrNumber, alpha = 1): this {
    if (typeof other === 'number') callInplace('sub_.Scalar', this.handle, other, alpha);
    else callInplace('sub_.Tensor', this.handle, other.handle, alpha);
    return this;
  }
  mul_(other: TensorOrNumber): this {
    if (typeof other === 'number') callInplace('mul_.Scalar', this.handle, other);
    else callInplace('mul_.Tensor', this.handle, other.handle);
    return this;
  }
  div_(other: TensorOrNumber): this {
    if (typeof other === 'number') callInplace('div_.Scalar', this.handle, other);
    else callInplace('div_.Tensor', this.handle, other.handle);
    return this;
  }
  /** this += value * t1 * t2 */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this {
    callInplace('addcmul_', this.handle, t1.handle, t2.handle, value);
    return this;
  }
  /** this += value * t1 / t2 */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this {
    callInplace('addcdiv_', this.handle, t1.handle, t2.handle, value);
    return this;
  }
  lerp_(end: Tensor, weight: number): this {
    callInplace('lerp_.Scalar', this.handle, end.handle, weight);
    return this;
  }
  sqrt_(): this {
    callInplace('sqrt_', this.handle);
    return this;
  }
  clamp_(min?: number | null, max?: number | null): this {
    callInplace('clamp_', this.handle, min ?? null, max ?? null);
    return this;
  }
  copy_(src: Tensor): this {
    callInplace('copy_', this.handle, src.handle, false);
    return this;
  }
  fill_(value: number): this {
    callInplace('fill_.Scalar', this.handle, value);
    return this;
  }
  zero_(): this {
    callInplace('zero_', this.handle);
    return this;
  }
  /** Replaces every element by a Bernoulli draw with probability `p` (or by its own value as p). */
  bernoulli_(p: number): this {
    callInplace('bernoulli_.float', this.handle, p);
    return this;
  }
  uniform_(from = 0, to = 1): this {
    callInplace('uniform_', this.handle, from, to);
    return this;
  }
  normal_(mean = 0, std = 1): this {
    callInplace('normal_', this.handle, mean, std);
    return this;
  }
}

function dims(d: number | number[]): number[] {
  return typeof d === 'number' ? [d] : d;
}

const DTYPES = new Set<string>(Object.keys(ARRAY_TYPES));
export function isDType(s: string): s is DType {
  return DTYPES.has(s);
}

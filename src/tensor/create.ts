/**
 * Making tensors: from JavaScript data, constants, ranges and random draws. Random draws use
 * libtorch's default generator, so `manualSeed` makes them reproducible.
 */
import { native } from '../binding/native.js';
import type { NativeArg } from '../binding/native.js';
import { call, callNamed, wrap, type AnyTypedArray, type DType, type Device, type Tensor } from './tensor.js';

/** Where a new tensor lives and what it holds. */
export interface TensorOptions {
  /** Element type; the default depends on the function (float32 for most). */
  dtype?: DType;
  /** 'cpu' (default) or 'cuda:0', ... */
  device?: Device;
  /** Make it a leaf that accumulates gradients. */
  requiresGrad?: boolean;
}

type Nested = number | boolean | Nested[];

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let d: Nested = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    d = d[0] as Nested;
  }
  return shape;
}

function flatten(data: Nested, out: (number | boolean)[] = []): (number | boolean)[] {
  if (Array.isArray(data)) for (const d of data) flatten(d, out);
  else out.push(data);
  return out;
}

function dtypeOfArray(a: AnyTypedArray): DType {
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array) return 'uint8';
  return 'float32';
}

const CTORS: Partial<Record<DType, { new (n: number): AnyTypedArray }>> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

function finish(t: Tensor, opts: TensorOptions): Tensor {
  let out = t;
  if (opts.device && opts.device !== 'cpu') {
    out = t.to({ device: opts.device });
    t.dispose();
  }
  if (opts.requiresGrad) out.requiresGrad = true;
  return out;
}

/**
 * A tensor from a (nested) array, a number or a typed array. The dtype defaults to that of
 * the typed array, or float32; `shape` is required to reshape flat data.
 */
export function tensor(data: Nested | AnyTypedArray, opts: TensorOptions & { shape?: number[] } = {}): Tensor {
  let shape: number[];
  let bytes: AnyTypedArray;
  let dtype: DType;
  if (ArrayBuffer.isView(data)) {
    dtype = opts.dtype ?? dtypeOfArray(data);
    shape = opts.shape ?? [data.length];
    bytes = data;
    if (dtype !== dtypeOfArray(data) && !(dtype === 'bool' && data instanceof Uint8Array)) {
      const t = tensor(data, { shape });
      const converted = t.to(dtype);
      t.dispose();
      return finish(converted, opts);
    }
  } else {
    dtype = opts.dtype ?? 'float32';
    const flat = flatten(data);
    shape = opts.shape ?? inferShape(data);
    if (dtype === 'int64') {
      bytes = BigInt64Array.from(flat, (v) => BigInt(Math.trunc(Number(v))));
    } else {
      const Ctor = CTORS[dtype];
      if (!Ctor) throw new TypeError(`tensor(): cannot build ${dtype} from numbers`);
      bytes = new Ctor(flat.length);
      flat.forEach((v, i) => ((bytes as Float64Array)[i] = Number(v)));
    }
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== bytes.length) {
    throw new RangeError(`tensor(): ${bytes.length} values do not fill shape [${shape.join(', ')}] (${n} values)`);
  }
  return finish(wrap(native.fromBytes(bytes, dtype, shape)), opts);
}

/** A float tensor of one number (a 0-dimensional tensor). */
export function scalar(value: number, opts: TensorOptions = {}): Tensor {
  return tensor(value, { ...opts, shape: [] });
}

function factory(
  op: string,
  positional: NativeArg[],
  opts: TensorOptions,
  defaultDtype: DType | null = 'float32',
): Tensor {
  const t = callNamed(op, positional, { dtype: opts.dtype ?? defaultDtype, device: opts.device ?? null });
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/** A tensor of zeros (float32 unless `opts.dtype` says otherwise). */
export function zeros(shape: number[], opts: TensorOptions = {}): Tensor {
  return factory('zeros', [shape], opts);
}
/** A tensor of ones (float32 unless `opts.dtype` says otherwise). */
export function ones(shape: number[], opts: TensorOptions = {}): Tensor {
  return factory('ones', [shape], opts);
}
/** A tensor with every element `value` (float32 unless `opts.dtype` says otherwise). */
export function full(shape: number[], value: number, opts: TensorOptions = {}): Tensor {
  return factory('full', [shape, value], opts);
}
/** Standard normal draws. */
export function randn(shape: number[], opts: TensorOptions = {}): Tensor {
  return factory('randn', [shape], opts);
}
/** Uniform draws in [0, 1). */
export function rand(shape: number[], opts: TensorOptions = {}): Tensor {
  return factory('rand', [shape], opts);
}
/** Normal draws with the given mean and standard deviation. */
export function normal(mean: number, std: number, shape: number[], opts: TensorOptions = {}): Tensor {
  return factory('normal.float_float', [mean, std, shape], opts);
}
/** Integers drawn uniformly from [low, high). */
export function randint(low: number, high: number, shape: number[], opts: TensorOptions = {}): Tensor {
  return factory('randint.low', [low, high, shape], opts, 'int64');
}
/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number, opts: TensorOptions = {}): Tensor {
  return factory('randperm', [n], opts, 'int64');
}
/** A 0/1 draw for each element, with that element of `probs` as its probability. */
export function bernoulli(probs: Tensor): Tensor {
  return call('bernoulli', probs.handle);
}
/** start, start+step, ... up to (not including) end. Integral arguments give int64. */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  const [s, e] = end === undefined ? [0, start] : [start, end];
  const integral = Number.isInteger(s) && Number.isInteger(e) && Number.isInteger(step);
  return factory('arange.start_step', [s, e, step], opts, integral ? 'int64' : 'float32');
}
/** `steps` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  return factory('linspace', [start, end, steps], opts);
}
/** The n x n identity matrix. */
export function eye(n: number, opts: TensorOptions = {}): Tensor {
  return factory('eye', [n], opts);
}
/** Zeros with t's shape, dtype and device. */
export function zerosLike(t: Tensor): Tensor {
  return call('zeros_like', t.handle);
}
/** Ones with t's shape, dtype and device. */
export function onesLike(t: Tensor): Tensor {
  return call('ones_like', t.handle);
}
/** Standard normal draws with t's shape, dtype and device. */
export function randnLike(t: Tensor): Tensor {
  return call('randn_like', t.handle);
}
/** Uniform draws in [0, 1) with t's shape, dtype and device. */
export function randLike(t: Tensor): Tensor {
  return call('rand_like', t.handle);
}
/** `value` everywhere, with t's shape, dtype and device. */
export function fullLike(t: Tensor, value: number): Tensor {
  return call('full_like', t.handle, value);
}

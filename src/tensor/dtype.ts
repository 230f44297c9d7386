/** Element types and devices of tensors, the typed arrays that hold their data, and ATen's reduction enum. */

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

/** The typed array that views each dtype's bytes (half floats as their raw 16-bit patterns). */
export const ARRAY_TYPES: Record<DType, new (buf: ArrayBuffer) => AnyTypedArray> = {
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

const DTYPES = new Set<string>(Object.keys(ARRAY_TYPES));
export function isDType(s: string): s is DType {
  return DTYPES.has(s);
}

/** ATen's loss reductions, as its integer enum. */
export const Reduction = { none: 0, mean: 1, sum: 2 } as const;
export type ReductionName = keyof typeof Reduction;

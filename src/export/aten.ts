/**
 * Every ATen operator the ONNX exporter translates, by schema name with its overload (as
 * tensor/trace.ts records them): elementwise and reductions (aten-math.ts), shapes and
 * indexing (aten-shape.ts), layers (aten-nn.ts).
 */
import { MATH } from './aten-math.js';
import { NN } from './aten-nn.js';
import { SHAPE } from './aten-shape.js';
import type { Converter } from './convert.js';

export type { Arg, Converted, Converter } from './convert.js';

export const CONVERTERS = new Map<string, Converter>(Object.entries({ ...MATH, ...SHAPE, ...NN }));

/** The ATen operators the exporter converts, sorted. */
export function supportedOperators(): string[] {
  return [...CONVERTERS.keys()].sort();
}

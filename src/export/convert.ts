/**
 * What an ATen operator's converter gets and gives: the traced call's arguments with tensors
 * replaced by graph values, the dtype and shape of each output, and a name for its nodes; it
 * emits ONNX nodes and returns one value per output. `fail` refuses a call the converter
 * cannot translate faithfully (it throws an error naming the operator and module).
 */
import type { GraphBuilder, Meta, Value } from './graph.js';

export type Arg = Value | Value[] | number | number[] | boolean | string | null | undefined;
export type Converted = Value[];
export type Fail = (reason: string) => never;
export type Converter = (g: GraphBuilder, args: Arg[], out: Meta[], name: string, fail: Fail) => Converted;

export function isValue(a: Arg): a is Value {
  return typeof a === 'object' && a !== null && !Array.isArray(a);
}

/** Argument `i`, which must be a tensor. */
export function val(args: Arg[], i: number, fail: Fail): Value {
  const a = args[i];
  if (!isValue(a)) return fail(`argument ${i} is not a tensor`);
  return a;
}

/** Argument `i` as a number (booleans as 0/1), or `dflt` when absent. */
export function num(args: Arg[], i: number, dflt?: number): number {
  const a = args[i];
  if (typeof a === 'number') return a;
  if (typeof a === 'boolean') return a ? 1 : 0;
  if (dflt !== undefined) return dflt;
  throw new Error(`internal error: argument ${i} is not a number`);
}

/** Argument `i` as a list of numbers; a single number is a one-element list (ATen's int[1]). */
export function ints(args: Arg[], i: number): number[] {
  const a = args[i];
  if (typeof a === 'number') return [a];
  return a as number[];
}

/**
 * A tensor argument, or a scalar one as a constant of the tensor's type. A fractional scalar
 * with an integer tensor (ATen promotes to float there) is refused rather than truncated.
 */
export function operand(g: GraphBuilder, a: Arg, like: Value, name: string, fail?: Fail): string {
  if (isValue(a)) return a.name;
  const v = num([a], 0);
  if (like.dtype === 'int64' && !Number.isInteger(v)) {
    const why = `a fractional scalar (${v}) with an integer tensor; cast the tensor to float first`;
    if (fail) return fail(why);
    throw new Error(`the ONNX exporter refuses ${why}`);
  }
  return g.constant(`${name}.scalar`, like.dtype === 'int64' ? 'int64' : 'float32', [v], []);
}

/** A converter emitting one node of `op` on the first argument. */
export function unary(op: string, attrs: (args: Arg[]) => Parameters<GraphBuilder['node']>[4] = () => ({})): Converter {
  return (g, args, out, name, fail) => [g.node(op, [val(args, 0, fail).name], name, out[0]!, attrs(args))];
}

/** Axis `d` counted from the front (ATen allows negative axes; most ONNX operators do too, but this keeps them plain). */
export function axis(d: number, rank: number): number {
  return d < 0 ? d + rank : d;
}

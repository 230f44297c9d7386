/**
 * An ONNX graph from what a forward pass actually does: `fn` runs once on example inputs while
 * tensor/trace.ts records every ATen operator it calls, each labelled with the module whose
 * forward called it; then each recorded call goes through its converter (aten-*.ts). So a model
 * exports without a second description of its forward pass, and any graph shape works: skips
 * that concatenate, residual additions, codebook lookups.
 *
 * Values that do not depend on the graph's inputs (parameters, buffers, tensors made outside
 * `fn`, and whatever is computed from them alone) become initializers, holding their traced
 * values; the others become nodes. An operator without a converter is an
 * UnsupportedOperatorError naming it and the module path that called it.
 */
import type { NativeArg, NativeTensor } from '../binding/native.js';
import type { Module } from '../nn/module.js';
import { trace, traceScope, type TracedCall } from '../tensor/trace.js';
import { Tensor } from '../tensor/tensor.js';
import { CONVERTERS, type Arg, type Converted } from './aten.js';
import { GraphBuilder, type Value } from './graph.js';

/** An operator the ONNX exporter cannot convert, named with the module (path and class) that called it. */
export class UnsupportedOperatorError extends Error {
  constructor(
    readonly op: string,
    readonly path: string,
    readonly moduleClass: string,
    reason = 'the ONNX exporter has no converter for this operator',
  ) {
    super(
      `cannot export aten::${op} in ${path ? `'${path}' (${moduleClass})` : `the ${moduleClass}'s own code`}: ${reason}`,
    );
    this.name = 'UnsupportedOperatorError';
  }
}

/** Operators whose result is random: folding them into constants would export one draw. */
const RANDOM = /^(rand|randn|randint|randn_like|rand_like|bernoulli|normal|multinomial|randperm|dropout)(\.|$)/;

/** Runs `fn` with each module's forward labelling the calls it makes, and restores the modules afterwards. */
function withModuleLabels<T>(root: Module, fn: () => T): T {
  const patched: [Module, PropertyDescriptor | undefined][] = [];
  try {
    for (const [path, m] of root.namedModules()) {
      const forward = (m as unknown as { forward?: unknown }).forward;
      if (!path || typeof forward !== 'function') continue;
      const labelled = (...args: unknown[]): unknown =>
        traceScope(`${path}\u0000${m.constructor.name}`, () =>
          (forward as (...a: unknown[]) => unknown).apply(m, args),
        );
      patched.push([m, Object.getOwnPropertyDescriptor(m, 'forward')]);
      Object.defineProperty(m, 'forward', { value: labelled, configurable: true, writable: true });
    }
    return fn();
  } finally {
    for (const [m, own] of patched.reverse()) {
      if (own) Object.defineProperty(m, 'forward', own);
      else delete (m as unknown as { forward?: unknown }).forward;
    }
  }
}

/** Where a call was made: the innermost module's path and class ('' and the root's class when none). */
function origin(call: TracedCall, root: Module): { path: string; cls: string } {
  const label = call.scope.at(-1);
  if (!label) return { path: '', cls: root.constructor.name };
  const [path, cls] = label.split('\u0000') as [string, string];
  return { path, cls };
}

/**
 * The graph of `fn` on `root`'s modules: `inputs` (name -> example tensor) are the graph's
 * inputs, the tensors `fn` returns (name -> tensor) its outputs. Gives the graph and the
 * values `fn` computed.
 */
export function traceGraph(
  root: Module,
  inputs: Record<string, Tensor>,
  fn: () => Record<string, Tensor>,
): { graph: GraphBuilder; outputs: Record<string, Tensor> } {
  const { result, calls } = trace(() => withModuleLabels(root, fn));
  const g = new GraphBuilder([...Object.keys(inputs), ...Object.keys(result)]);
  const values = new Map<NativeTensor, Value>();
  /** The handles whose values depend on the inputs: the inputs and the nodes' outputs. */
  const live = new Set<NativeTensor>();
  for (const [name, t] of Object.entries(inputs)) {
    values.set(t.handle, g.input(name, t));
    live.add(t.handle);
  }
  const named = new Map<NativeTensor, string>();
  for (const [name, t] of [...root.namedParameters(), ...root.namedBuffers()]) named.set(t.handle, name);
  /** The graph value of a tensor argument: a node's output, or an initializer holding its value. */
  const valueOf = (h: NativeTensor, what: string): Value => {
    let v = values.get(h);
    if (!v) {
      v = g.weight(named.get(h) ?? `${what}.const`, new Tensor(h));
      values.set(h, v);
    }
    return v;
  };
  const dynamic = (a: NativeArg): boolean => (Array.isArray(a) ? a.some(dynamic) : isHandle(a) && live.has(a));
  for (const call of calls) {
    const { path, cls } = origin(call, root);
    const fail = (reason?: string): never => {
      throw new UnsupportedOperatorError(call.op, path, cls, reason);
    };
    if (!call.args.some(dynamic)) {
      // Nothing here depends on the inputs: its traced value is a constant.
      if (RANDOM.test(call.op)) fail('a random operator in the forward pass would be exported as one fixed draw');
      continue;
    }
    if (call.inplace) fail('an in-place operator on a value computed from the inputs');
    if (RANDOM.test(call.op) && !(call.op === 'dropout' && call.args[2] === false))
      fail('a random operator in the forward pass would be exported as one fixed draw');
    const convert = CONVERTERS.get(call.op);
    if (!convert) fail();
    const name = path ? `${path}.${call.op.split('.')[0]}` : call.op.split('.')[0]!;
    const args = call.args.map((a): Arg => toArg(a, (h) => valueOf(h, name)));
    const out = call.outputMeta.map(([dtype, , ...shape]) => ({ dtype, shape }));
    const made: Converted = convert!(g, args, out, name, fail);
    call.outputs.forEach((h, i) => {
      values.set(h, made[i]!);
      live.add(h);
    });
  }
  const outputs: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(result)) {
    g.output(name, valueOf(t.handle, name));
    outputs[name] = t;
  }
  return { graph: g, outputs };
}

function isHandle(a: NativeArg): a is NativeTensor {
  return typeof a === 'object' && a !== null && !Array.isArray(a);
}

function toArg(a: NativeArg, valueOf: (h: NativeTensor) => Value): Arg {
  if (Array.isArray(a)) {
    const list = a as readonly NativeArg[];
    return list.length && list.every(isHandle) ? list.map((h) => valueOf(h)) : (list as number[]);
  }
  if (isHandle(a)) return valueOf(a);
  return a as Exclude<Arg, Value | Value[] | number[]>;
}

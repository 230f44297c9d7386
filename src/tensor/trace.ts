/**
 * A record of the ATen operators a function calls, for exporters: every call through the
 * generic path (dispatch.ts) while `trace` runs is one entry, with its arguments as passed
 * (tensor handles, numbers, lists, null) and the handles it returned. `traceScope` labels the
 * calls made inside it (modules label their forward passes with their dotted paths), so an
 * operator an exporter cannot translate is named with the module that called it. This layer
 * knows nothing of any file format; src/export/ reads the record.
 */
import { native, type NativeArg, type NativeTensor } from '../binding/native.js';

export interface TracedCall {
  /** The operator's schema name with its overload, e.g. 'add.Tensor' ('aten::' implied). */
  op: string;
  args: NativeArg[];
  /** The tensors it returned (none for an in-place operator, which changes args[0]). */
  outputs: NativeTensor[];
  /** Each output's [dtype, device, ...shape], read when it was made (a scope may free it before the trace is read). */
  outputMeta: [string, string, ...number[]][];
  inplace: boolean;
  /** The labels of the traceScope calls it ran inside, outermost first. */
  scope: string[];
}

let calls: TracedCall[] | null = null;
const scope: string[] = [];

/** Whether a trace is recording (dispatch.ts records only then, so untraced code pays one check). */
export function isTracing(): boolean {
  return calls !== null;
}

/** Called by dispatch.ts for each operator call while tracing. */
export function recordCall(op: string, args: NativeArg[], outputs: NativeTensor[], inplace: boolean): void {
  calls?.push({ op, args, outputs, outputMeta: outputs.map((h) => native.meta(h)), inplace, scope: [...scope] });
}

/** Runs `fn`, recording the operators it calls. Traces do not nest. */
export function trace<T>(fn: () => T): { result: T; calls: TracedCall[] } {
  if (calls) throw new Error('trace: a trace is already recording');
  const record: TracedCall[] = [];
  calls = record;
  const depth = scope.length;
  try {
    return { result: fn(), calls: record };
  } finally {
    calls = null;
    scope.length = depth;
  }
}

/** Runs `fn` with its operator calls labelled `label` (inside any enclosing labels). */
export function traceScope<T>(label: string, fn: () => T): T {
  scope.push(label);
  try {
    return fn();
  } finally {
    scope.pop();
  }
}

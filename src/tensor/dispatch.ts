/**
 * The generic path to libtorch: an ATen operator is looked up once by its schema name
 * ("add.Tensor"; the "aten::" prefix is implied) and called with positional arguments through
 * the addon. These functions take and return native handles; tensor.ts wraps them as Tensors.
 * While a trace records (trace.ts), each call is written down.
 */
import { native, type NativeArg, type NativeTensor } from '../binding/native.js';
import { isTracing, recordCall } from './trace.js';

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

/** Calls an operator that returns one tensor; its handle. */
export function callHandle(op: string, args: NativeArg[]): NativeTensor {
  const out = native.call(opId(op), ...args) as NativeTensor;
  if (isTracing()) recordCall(op, args, [out], false);
  return out;
}

/** Calls an operator that returns several tensors; their handles. */
export function callHandles(op: string, args: NativeArg[]): NativeTensor[] {
  const out = native.call(opId(op), ...args) as NativeTensor[];
  if (isTracing()) recordCall(op, args, out, false);
  return out;
}

/** Calls an in-place operator; its result is an argument the caller already holds. */
export function callInplace(op: string, ...args: NativeArg[]): void {
  native.callVoid(opId(op), ...args);
  if (isTracing()) recordCall(op, args, [], true);
}

/** The full schema of an operator, e.g. "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor". */
export function schemaOf(op: string): string {
  return native.schema(opId(op));
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

/** Positional arguments followed by named ones (schema names), as one positional list. */
export function placeNamed(op: string, positional: NativeArg[], named: Record<string, NativeArg>): NativeArg[] {
  const names = argNames(op);
  const args: NativeArg[] = [...positional];
  for (const [k, v] of Object.entries(named)) {
    const i = names.indexOf(k);
    if (i < 0) throw new TypeError(`${op} has no argument '${k}' (it takes ${names.join(', ')})`);
    args[i] = v;
  }
  return args;
}

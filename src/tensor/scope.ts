/**
 * Deterministic ownership of native memory. Every tensor belongs to the innermost `tidy`
 * scope that was open when it was made; when the scope's function returns, every tensor it
 * made is disposed except those it returns (which move to the enclosing scope) and those
 * passed to `keep`. Outside any scope a tensor lives until `dispose()`, a `using` block, or
 * (as a safety net) garbage collection. The same idea as tfjs's `tf.tidy`.
 */
export const OWNED: unique symbol = Symbol('latentlab.owned');

export interface Owned {
  readonly [OWNED]: true;
  dispose(): void;
}

const scopes: Set<Owned>[] = [];
const kept = new WeakSet<Owned>();

/** Registers a new tensor with the innermost open scope. */
export function track<T extends Owned>(t: T): T {
  if (scopes.length) scopes[scopes.length - 1]!.add(t);
  return t;
}

/** Exempts `t` from disposal by every open and future `tidy` scope. */
export function keep<T extends Owned>(t: T): T {
  kept.add(t);
  for (const s of scopes) s.delete(t);
  return t;
}

function collect(value: unknown, out: Set<Owned>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if ((value as Partial<Owned>)[OWNED]) {
    out.add(value as Owned);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, out, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, seen);
  }
}

/**
 * Runs `fn` and disposes every tensor it created, except the tensors in its result (a tensor,
 * or arrays, Maps and plain objects holding tensors). `fn` must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Owned>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw err;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new Error('tidy() takes a synchronous function; await inside it would free tensors still in use');
  }
  const survivors = new Set<Owned>();
  collect(result, survivors, new Set());
  const parent = scopes.length ? scopes[scopes.length - 1] : undefined;
  for (const t of scope) {
    if (!survivors.has(t)) t.dispose();
    else if (parent && !kept.has(t)) parent.add(t);
  }
  return result;
}

/** Disposes every tensor found in `value` (a tensor, or arrays/objects/Maps of them). */
export function disposeAll(value: unknown): void {
  const found = new Set<Owned>();
  collect(value, found, new Set());
  for (const t of found) t.dispose();
}

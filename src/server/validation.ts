/**
 * Checks of what a request carries beyond its JSON body (which JSON schemas check): query
 * parameters, parsed strictly, each refusal naming the parameter and what it must be.
 */
import { badRequest } from '../util/http-error.js';

export interface RunParams {
  run: string;
}

/** An integer query parameter in [min, max], or `fallback` when absent. */
export function intParam(
  raw: string | undefined,
  name: string,
  o: { min: number; max: number; fallback: number },
): number {
  if (raw === undefined || raw === '') return o.fallback;
  if (!/^-?\d+$/.test(raw))
    throw badRequest(`query parameter '${name}' must be an integer, got ${JSON.stringify(raw)}`);
  const v = Number(raw);
  if (v < o.min || v > o.max)
    throw badRequest(`query parameter '${name}' must be between ${o.min} and ${o.max}, got ${v}`);
  return v;
}

/** A comma-separated list of non-negative integers, 1 to `max` of them. */
export function listParam(raw: string | undefined, name: string, o: { max: number }): number[] {
  if (!raw)
    throw badRequest(`query parameter '${name}' is required: a comma-separated list of indices, e.g. ${name}=0,1,2`);
  const parts = raw.split(',');
  if (parts.length > o.max)
    throw badRequest(`query parameter '${name}' has ${parts.length} entries; at most ${o.max} are allowed`);
  return parts.map((p) => {
    if (!/^\d{1,9}$/.test(p.trim()))
      throw badRequest(`query parameter '${name}': ${JSON.stringify(p)} is not a non-negative integer`);
    return Number(p);
  });
}

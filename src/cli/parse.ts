/** Option parsers for commander: each refuses a bad value with a message naming the option. */
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  return n;
}

/** A non-negative integer (an index, a seed). */
export function nonNegativeIntArg(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(`expected a non-negative integer, got '${value}'`);
  return n;
}

/** A TCP port, 0 to 65535 (0: any free port). */
export function portArg(value: string): number {
  const n = nonNegativeIntArg(value);
  if (n > 65535) throw new InvalidArgumentError(`expected a port from 0 to 65535, got '${value}'`);
  return n;
}

/** "7" or "1,7" -> [7] or [1, 7]. */
export function classList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (!parts.every((p) => /^\d+$/.test(p)))
    throw new InvalidArgumentError(`expected class indices like 7 or 1,7, got '${value}'`);
  return parts.map(Number);
}

/** "32" or "32x48" (height x width) -> [32, 32] or [32, 48]. */
export function imageSize(value: string): [number, number] {
  const m = /^(\d+)(?:x(\d+))?$/.exec(value.trim());
  const h = m ? Number(m[1]) : NaN;
  const w = m?.[2] ? Number(m[2]) : h;
  if (!(h > 0 && w > 0))
    throw new InvalidArgumentError(`expected a size like 32 or 32x48 (height x width), got '${value}'`);
  return [h, w];
}

export function channelCount(value: string): 1 | 3 {
  if (value !== '1' && value !== '3')
    throw new InvalidArgumentError(`expected 1 (grayscale) or 3 (RGB), got '${value}'`);
  return Number(value) as 1 | 3;
}

export function splitName(value: string): 'train' | 'test' {
  if (value !== 'train' && value !== 'test') throw new InvalidArgumentError(`expected train or test, got '${value}'`);
  return value;
}

/** Shared test helpers: closeness checks and the PyTorch reference interpreter. */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
/** ../shared/reference beside the checkout (CI clones with shared/ beside it). */
export const referenceDir = join(repoRoot, '..', 'shared', 'reference');
/** Debian's python3 with python3-torch (the python3 first on PATH may lack torch). */
export const systemPython = '/usr/bin/python3';

/** Asserts |a - b| <= atol + rtol * |b| elementwise. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-6, rtol = 1e-5, what = 'values' } = {},
): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) {
      assert.fail(`${what}[${i}]: ${a} != ${b} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

/** Whether Debian's python3 with torch is present (scripts/setup.sh installs it). */
export function hasTorchPython(): boolean {
  if (!existsSync(systemPython)) return false;
  return spawnSync(systemPython, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/** Runs a Python snippet with Debian's torch and parses its JSON output. */
export function runTorch<T>(code: string, input?: unknown): T {
  const out = execFileSync(systemPython, ['-c', code], {
    input: input === undefined ? undefined : JSON.stringify(input),
    env: { ...process.env, OMP_NUM_THREADS: '1' },
    maxBuffer: 64 << 20,
  }).toString();
  return JSON.parse(out) as T;
}

/** mulberry32: a small seeded generator of floats in [0, 1). */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the CLI from source (tsx) in `cwd`; its exit status and output. */
export function runCli(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(repoRoot, 'src', 'cli', 'run.ts'), ...args],
    { encoding: 'utf8', cwd },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

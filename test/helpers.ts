/**
 * The helpers every test file shares: running the CLI, temporary folders that are removed,
 * closeness, max-difference and byte checks, and the PyTorch reference interpreter.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The Python reference scripts, kept in the repository so that tests read nothing outside it. */
export const referenceDir = join(repoRoot, 'bench', 'reference');
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

// --- temporary folders ----------------------------------------------------------------------

const tempDirs = new Set<string>();
/** LATENTLAB_KEEP_TMP=1 keeps the folders (their paths are printed at exit) to look into a failure. */
const keepTemp = process.env.LATENTLAB_KEEP_TMP === '1';

// Removed when the test file's process exits rather than in a node:test `after` hook: `after`
// attaches to whichever test is running when it is called, so a folder made inside a test would
// go when that test ends; an exit handler covers folders made anywhere, and `node --test` runs
// each test file in a process of its own. One handler for all folders (rmSync: it must be sync).
process.on('exit', () => {
  for (const d of tempDirs) {
    if (keepTemp) process.stderr.write(`latentlab: kept ${d}\n`);
    else rmSync(d, { recursive: true, force: true });
  }
});

/** A fresh folder `latentlab-<prefix>-XXXXXX` under the OS temp folder, removed when the test file ends. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `latentlab-${prefix}-`));
  tempDirs.add(d);
  return d;
}

// --- the command line -----------------------------------------------------------------------

/** What a CLI run gave: its exit status (null when a signal ended it) and its output. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Where and how to run the CLI: `env` is added to this process's (a value undefined removes one). */
export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

let defaultCwd: string | undefined;
/** The default working folder: a temporary one, so that relative outputs never land in the checkout. */
function cwdOf(opts: CliOptions): string {
  return opts.cwd ?? (defaultCwd ??= tempDir('cwd'));
}

/**
 * Arguments for `spawn(process.execPath, ...)` that run `latentlab <args>`: from source with tsx,
 * or, when scripts/test.sh has just compiled the sources (LATENTLAB_TEST_DIST=1), from dist/,
 * which starts a second faster (the suite spawns the CLI a few hundred times).
 */
export function cliArgv(args: string[]): string[] {
  if (process.env.LATENTLAB_TEST_DIST === '1') return [join(repoRoot, 'dist', 'src', 'cli', 'run.js'), ...args];
  return ['--import', import.meta.resolve('tsx'), join(repoRoot, 'src', 'cli', 'run.ts'), ...args];
}

/** Runs `latentlab <args>` from source (tsx) in a child process and waits for it. */
export function cli(args: string[], opts: CliOptions = {}): CliResult {
  const r = spawnSync(process.execPath, cliArgv(args), {
    encoding: 'utf8',
    cwd: cwdOf(opts),
    env: { ...process.env, ...opts.env },
    input: opts.input,
    maxBuffer: 64 << 20,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** cli() without blocking, so that several commands can run side by side; resolves once the process has exited. */
export function cliAsync(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliArgv(args), {
      cwd: cwdOf(opts),
      env: { ...process.env, ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => void (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => void (stderr += d));
    child.on('error', reject);
    // 'close', not 'exit': it comes after the output streams have ended, so nothing is lost.
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** The output of a `--json` command: one JSON object per non-empty line; throws on a line that is not JSON. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`line ${i + 1} of the output is not JSON: ${l.slice(0, 200)}`);
      }
    });
}

// --- numbers and bytes ----------------------------------------------------------------------

/** The largest |a[i] - b[i]| (NaN when either holds a NaN); throws when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`maxAbsDiff: lengths differ (${a.length} vs ${b.length})`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(d)) return NaN; // a NaN on either side is never close
    if (d > worst) worst = d;
  }
  return worst;
}

/** The first offset where two byte strings differ (the shorter one's length when one is a prefix of the other), or -1. */
export function firstByteDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Asserts two byte strings are identical; the message names the first offset that differs and the lengths. */
export function assertBytesEqual(actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void {
  const at = firstByteDifference(actual, expected);
  if (at === -1) return;
  const byte = (x: Uint8Array): string => (at < x.length ? `0x${x[at]!.toString(16).padStart(2, '0')}` : 'end');
  assert.fail(
    `${what}: differ at offset ${at} (${byte(actual)} vs ${byte(expected)}; ` +
      `${actual.length} vs ${expected.length} bytes)`,
  );
}

/** A flat array as nested lists of `shape` (how a PyTorch reference script receives a tensor). */
export function nested(flat: number[], shape: readonly number[]): unknown {
  if (shape.length <= 1) return flat;
  const step = flat.length / shape[0]!;
  return Array.from({ length: shape[0]! }, (_, i) => nested(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
}

/**
 * Run safety: nothing lost, nobody let in. A folder killed before its first checkpoint resumes
 * from the start; the epoch's metrics line travels in the checkpoint; one writer per run folder
 * (train.lock: refused while its holder lives, taken over when it is gone, from another host
 * only with --break-lock); a failed write of a checkpoint, a picture or an export names the file
 * and leaves the last good files and no temporary ones; --size works for IDX folders.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireRunLock, LOCK_FILE, processStartTime, RunLockedError } from '../src/train/run-lock.js';
import { assertBytesEqual, cli, cliArgv, cliAsync, jsonLines, tempDir } from './helpers.js';

const tmp = tempDir('safety');
const inTmp = { cwd: tmp };
/** A tiny, deterministic run: 64 images, 2 epochs of 4 steps, one thread. */
const TINY = ['--limit', '64', '--epochs', '2', '--batch-size', '16', '--threads', '1', '--no-pictures'];
const METRICS = 'metrics.jsonl';

/** A safetensors file's tensor data (every byte after the header) and its header without the checkpoint id. */
function weights(path: string): { header: unknown; data: Buffer } {
  const b = readFileSync(path);
  const n = Number(b.readBigUInt64LE(0));
  const header = JSON.parse(b.subarray(8, 8 + n).toString()) as { __metadata__?: Record<string, string> };
  delete header.__metadata__?.latentlab_checkpoint; // a random id per checkpoint
  return { header, data: b.subarray(8 + n) };
}

function assertSameWeights(a: string, b: string): void {
  const [wa, wb] = [weights(a), weights(b)];
  assert.deepEqual(wa.header, wb.header);
  assertBytesEqual(wa.data, wb.data, `tensor data of ${a} and ${b}`);
}

/** Temporary files of a write (util/fs.ts's naming) or of a lock take-over, left in `dir`. */
function leftovers(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => /\.tmp-\d+-|\.together-|\.stale-/.test(n)) : [];
}

const lines = (dir: string): string[] => readFileSync(join(dir, METRICS), 'utf8').split('\n').filter(Boolean);
const epochs = (dir: string): number[] => lines(dir).map((l) => (JSON.parse(l) as { epoch: number }).epoch);
/** A metrics line without its timings (which differ between two runs of the same settings). */
const untimed = (l: string): unknown => {
  const { sec: _s, images_per_sec: _i, ...m } = JSON.parse(l) as Record<string, number>;
  return m;
};

let reference: string | null = null;
/** A finished TINY run, trained once for the whole file; tests copy it. */
function referenceRun(): string {
  if (reference) return reference;
  const dir = join(tmp, 'reference');
  const r = cli(['train', ...TINY, '--out', dir, '--json'], inTmp);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!existsSync(join(dir, LOCK_FILE)), 'the lock goes when training ends');
  reference = dir;
  return dir;
}

function copyRun(name: string): string {
  const dir = join(tmp, name);
  cpSync(referenceRun(), dir, { recursive: true });
  return dir;
}

async function waitFor(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function writeLock(dir: string, holder: Record<string, unknown>): string {
  const text = JSON.stringify({ since: '2024-01-02T03:04:05.000Z', command: 'train', ...holder }) + '\n';
  writeFileSync(join(dir, LOCK_FILE), text);
  return text;
}

test('the lock module: one holder per folder, released once, its empty folder removed', () => {
  const dir = join(tmp, 'lock-unit', 'run');
  const lock = acquireRunLock(dir, { command: 'test' });
  const held = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as Record<string, unknown>;
  assert.equal(held.pid, process.pid);
  assert.equal(held.host, hostname());
  assert.equal(held.start_time, processStartTime(process.pid));
  if (process.platform === 'linux') assert.equal(typeof held.start_time, 'number');
  assert.throws(
    () => acquireRunLock(dir),
    (e: unknown) => e instanceof RunLockedError && new RegExp(`pid ${process.pid} on host`).test(e.message),
  );
  lock.release();
  assert.ok(!existsSync(dir), 'the folder made for the lock and left empty is gone');
  lock.release(); // idempotent
  // A release never removes a lock that is not its own.
  mkdirSync(dir, { recursive: true });
  const mine = acquireRunLock(dir);
  const other = writeLock(dir, { pid: 1, start_time: null, host: 'elsewhere.example' });
  mine.release();
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), other);
});

test('a folder with a configuration but no checkpoint resumes from the start, as an uninterrupted run', () => {
  const ref = referenceRun();
  const dir = join(tmp, 'config-only');
  mkdirSync(dir);
  cpSync(join(ref, 'config.json'), join(dir, 'config.json'));
  // What a writer killed mid-checkpoint leaves: a temporary file named by a pid that is gone.
  const dead = spawnSync('true').pid;
  writeFileSync(join(dir, `.model.safetensors.tmp-${dead}-x1y2`), 'half a checkpoint');
  const r = cli(['train', '--resume', '--out', dir, '--json'], inTmp);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /has no checkpoint yet .*training it from the start with its configuration/);
  assert.match(r.stderr, /removed 1 temporary file/);
  assert.deepEqual(leftovers(dir), []);
  assertSameWeights(join(dir, 'model.safetensors'), join(ref, 'model.safetensors'));
  assert.deepEqual(epochs(dir), [1, 2]);
  assert.deepEqual(lines(dir).map(untimed), lines(ref).map(untimed));
  assert.ok(!existsSync(join(dir, LOCK_FILE)));
});

test('a trainer killed (SIGKILL) before its first checkpoint leaves its lock; a resume takes it over', async () => {
  const dir = join(tmp, 'killed-early');
  // 500 steps of 16 images before the first checkpoint: well over the time the kill takes to come.
  const args = ['--limit', '8000', '--epochs', '1', '--batch-size', '16', '--threads', '1', '--no-pictures'];
  const child = spawn(process.execPath, cliArgv(['train', ...args, '--out', dir]), { cwd: tmp, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitFor('the run folder', () => existsSync(join(dir, 'config.json')) || child.exitCode !== null);
  child.kill('SIGKILL');
  await exited;
  assert.ok(existsSync(join(dir, LOCK_FILE)), 'a SIGKILL leaves the lock');
  assert.ok(!existsSync(join(dir, 'model.safetensors')), 'killed before the first checkpoint');
  const r = cli(['train', '--resume', '--out', dir, '--no-pictures'], inTmp);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`taking over the lock of .*: its holder, pid ${child.pid} on host .* is gone`));
  assert.match(r.stderr, /has no checkpoint yet/);
  assert.deepEqual(epochs(dir), [1]);
  assert.ok(!existsSync(join(dir, LOCK_FILE)));
});

test('two writers: a second trainer and an import are refused while the first trains; SIGTERM releases', async () => {
  const ref = referenceRun();
  const dir = join(tmp, 'busy');
  const args = ['--limit', '3000', '--epochs', '40', '--batch-size', '32', '--threads', '1', '--no-pictures'];
  const first = spawn(process.execPath, cliArgv(['train', ...args, '--out', dir, '--json']), {
    cwd: tmp,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  first.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => first.once('exit', resolve));
  try {
    await waitFor('the first trainer', () => existsSync(join(dir, 'config.json')) || first.exitCode !== null);
    assert.equal(first.exitCode, null, 'the first trainer is still running');
    const holder = new RegExp(`being written by another process: pid ${first.pid} on host ${hostname()}`);
    const [second, fresh, imported] = await Promise.all([
      cliAsync(['train', '--resume', '--out', dir, '--json'], inTmp),
      cliAsync(['train', ...TINY, '--out', dir], inTmp),
      cliAsync(['import', '--weights', join(ref, 'model.safetensors'), '--out', dir], inTmp),
    ]);
    for (const [what, r] of [
      ['train --resume', second],
      ['train', fresh],
      ['import', imported],
    ] as const) {
      assert.equal(r.status, 1, `${what}: ${r.stderr}`);
      assert.match(r.stderr, holder, what);
    }
    assert.equal(first.exitCode, null, 'the first trainer ran all along');
    // The refusals can come back before its first epoch ends; let it write one line first.
    await waitFor('its first epoch', () => stdout.includes('"epoch":1') || first.exitCode !== null);
  } finally {
    first.kill('SIGTERM'); // checkpoints where it stands, as Ctrl-C does
  }
  assert.equal(await exited, 130);
  assert.equal((jsonLines(stdout).at(-1) as { interrupted?: boolean }).interrupted, true);
  assert.ok(!existsSync(join(dir, LOCK_FILE)), 'SIGTERM released the lock');
  const done = epochs(dir);
  assert.deepEqual(
    done,
    done.map((_, i) => i + 1),
    'one line per epoch, from one writer',
  );
});

test("stale and foreign locks: a reused pid's lock is taken over; another host's needs --break-lock", () => {
  const dir = copyRun('locked');
  // This process is alive, but it started long after tick 1: the pid was reused.
  writeLock(dir, { pid: process.pid, start_time: 1, host: hostname() });
  const reused = cli(['train', '--resume', '--out', dir, '--no-pictures'], inTmp);
  assert.equal(reused.status, 0, reused.stderr);
  assert.match(reused.stderr, new RegExp(`taking over the lock .*pid ${process.pid} now belongs to another process`));
  assert.ok(!existsSync(join(dir, LOCK_FILE)));

  const foreign = writeLock(dir, { pid: 4242, start_time: 99, host: 'another-host.example' });
  const refused = cli(['train', '--resume', '--out', dir, '--no-pictures'], inTmp);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /locked by pid 4242 on host another-host\.example \(train since 2024-01-02T03:04:05/);
  assert.match(refused.stderr, /--break-lock/);
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), foreign, 'the lock is left as it was');
  const broken = cli(['train', '--resume', '--out', dir, '--no-pictures', '--break-lock'], inTmp);
  assert.equal(broken.status, 0, broken.stderr);
  assert.match(broken.stderr, /--break-lock given: taking the lock of pid 4242 on host another-host\.example/);
  assert.ok(!existsSync(join(dir, LOCK_FILE)));
});

test('a metrics line lost between the checkpoint and its append comes back on resume; extra ones go', () => {
  const dir = copyRun('lost-line');
  const original = lines(dir);
  // The kill between checkpoint and append: the last line is missing; a stray later one is there.
  writeFileSync(join(dir, METRICS), original[0] + '\n' + JSON.stringify({ epoch: 7, train_loss: 1 }) + '\n');
  const r = cli(['train', '--resume', '--out', dir, '--epochs', '3', '--no-pictures', '--json'], inTmp);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(jsonLines(r.stdout).some((l) => /restored the metrics line of epoch 2/.test(String(l.message))));
  const now = lines(dir);
  assert.deepEqual(epochs(dir), [1, 2, 3]);
  assert.deepEqual(now.slice(0, 2), original, 'the restored line is the lost one, byte for byte');
});

test('weights without optimizer state (an imported run) are not trained over: resume refuses and says why', () => {
  const dir = copyRun('no-optimizer');
  rmSync(join(dir, 'optimizer.safetensors'));
  const before = readFileSync(join(dir, 'model.safetensors'));
  const r = cli(['train', '--resume', '--out', dir, '--epochs', '3', '--no-pictures'], inTmp);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /has weights \(model\.safetensors\) but no optimizer state \(optimizer\.safetensors\)/);
  assertBytesEqual(readFileSync(join(dir, 'model.safetensors')), before, 'model.safetensors');
  assert.deepEqual(epochs(dir), [1, 2], 'metrics.jsonl untouched');
  assert.ok(!existsSync(join(dir, LOCK_FILE)), 'the lock is released');
});

test("a run's bad config.json is named in the error: not JSON, or a setting out of its schema", () => {
  const dir = copyRun('bad-config');
  const file = join(dir, 'config.json');
  const good = readFileSync(file, 'utf8');
  writeFileSync(file, good.replace('"bernoulli"', '"bernoudli"'));
  const r = cli(['train', '--resume', '--out', dir, '--no-pictures'], inTmp);
  assert.equal(r.status, 1, r.stderr);
  assert.ok(r.stderr.includes(`${file}: 'likelihood' must be one of bernoulli, gaussian, got "bernoudli"`), r.stderr);
  writeFileSync(file, good.slice(0, 40));
  const s = cli(['sample', '--run', dir], inTmp);
  assert.equal(s.status, 1, s.stderr);
  assert.ok(s.stderr.includes(`${file}: not valid JSON`), s.stderr);
});

test('a failed checkpoint write names the file, keeps the last good checkpoint and leaves no temporary file', () => {
  for (const [file, code, words] of [
    ['model.safetensors', 'ENOSPC', 'no space left on device'],
    ['optimizer.safetensors', 'EROFS', 'read-only file system'],
  ] as const) {
    const dir = copyRun(`full-disk-${code}`);
    const before = ['model.safetensors', 'optimizer.safetensors'].map((f) => readFileSync(join(dir, f)));
    const env = { LATENTLAB_FAIL_WRITE: `${file}:${code}` };
    const r = cli(['train', '--resume', '--out', dir, '--epochs', '3', '--no-pictures'], { ...inTmp, env });
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stderr.includes(`cannot write ${join(dir, file)}: ${words} (${code})`), r.stderr);
    assert.match(r.stderr, /the last good checkpoint .* is kept/);
    ['model.safetensors', 'optimizer.safetensors'].forEach((f, i) =>
      assertBytesEqual(readFileSync(join(dir, f)), before[i]!, f),
    );
    assert.deepEqual(leftovers(dir), []);
    assert.ok(!existsSync(join(dir, LOCK_FILE)), 'the lock goes on an error too');
    assert.deepEqual(epochs(dir), [1, 2]);
    if (code === 'ENOSPC') {
      const again = cli(['train', '--resume', '--out', dir, '--epochs', '3', '--no-pictures'], inTmp);
      assert.equal(again.status, 0, `the kept checkpoint resumes: ${again.stderr}`);
      assert.deepEqual(epochs(dir), [1, 2, 3]);
    }
  }
});

test('a failed picture write names the file; the trained checkpoint stays and no temporary file is left', () => {
  const dir = join(tmp, 'no-pictures-allowed');
  const args = ['--limit', '64', '--epochs', '1', '--batch-size', '16', '--threads', '1'];
  const env = { LATENTLAB_FAIL_WRITE: 'samples.png:EACCES' };
  const r = cli(['train', ...args, '--out', dir], { ...inTmp, env });
  assert.equal(r.status, 1, r.stderr);
  assert.ok(r.stderr.includes(`cannot write ${join(dir, 'samples.png')}: permission denied (EACCES)`), r.stderr);
  assert.ok(!existsSync(join(dir, 'samples.png')));
  assert.ok(existsSync(join(dir, 'model.safetensors')) && existsSync(join(dir, 'optimizer.safetensors')));
  assert.deepEqual(epochs(dir), [1]);
  assert.deepEqual(leftovers(dir), []);
  assert.ok(!existsSync(join(dir, LOCK_FILE)));
});

test('a failed export write names the file and writes none of the export', () => {
  const ref = referenceRun();
  const before = readFileSync(join(ref, 'model.safetensors'));
  const out = join(tmp, 'export-ro');
  const env = { LATENTLAB_FAIL_WRITE: 'encoder.onnx:EROFS' };
  const r = cli(['export', '--run', ref, '--format', 'onnx', '--out', out], { ...inTmp, env });
  assert.equal(r.status, 1, r.stderr);
  assert.ok(r.stderr.includes(`cannot write ${join(out, 'encoder.onnx')}: read-only file system (EROFS)`), r.stderr);
  assert.deepEqual(existsSync(out) ? readdirSync(out) : [], [], 'no decoder.onnx, no temporary files');
  assertBytesEqual(readFileSync(join(ref, 'model.safetensors')), before, 'the run');
});

/** An IDX file: magic (uint8, `dims` dimensions), the dimensions, the bytes. */
function idx(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x0800 + dims.length, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

test("--size works for IDX folders: following dcgan's advice on 8x8 images trains", () => {
  const data = join(tmp, 'idx-8x8');
  mkdirSync(data);
  let s = 7;
  const bytes = (n: number, mod = 256): Uint8Array =>
    Uint8Array.from({ length: n }, () => (s = (s * 73 + 11) % 997) % mod);
  for (const [split, n] of [
    ['train', 64],
    ['t10k', 16],
  ] as const) {
    writeFileSync(join(data, `${split}-images-idx3-ubyte`), idx([n, 8, 8], bytes(n * 64)));
    writeFileSync(join(data, `${split}-labels-idx1-ubyte`), idx([n], bytes(n, 2)));
  }
  const args = ['--model', 'dcgan', '--dataset', data, '--epochs', '1', '--batch-size', '16', '--threads', '1'];
  const gan = [...args, '--width', '4', '--latent', '8', '--no-pictures', '--no-class-watch'];
  const first = cli(['train', ...gan, '--out', join(tmp, 'idx-gan-1')], inTmp);
  assert.equal(first.status, 1);
  const advice = /resize with (--size \d+)/.exec(first.stderr);
  assert.ok(advice, first.stderr);
  const [flag, size] = advice[1]!.split(' ') as [string, string];
  const out = join(tmp, 'idx-gan-2');
  const second = cli(['train', ...gan, flag, size, '--out', out], inTmp);
  assert.equal(second.status, 0, second.stderr);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { resolved: { image_shape: number[] } };
  assert.deepEqual(config.resolved.image_shape, [1, Number(size), Number(size)]);
  assert.deepEqual(epochs(out), [1]);
});

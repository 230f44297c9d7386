/**
 * `train --threads auto`: a few steps timed at 1 thread and at every core before the run's seed
 * is set, the faster count written into config.json, and the run then exactly the one that
 * count given as --threads makes; a resumed run keeps the count.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliAsync, jsonLines, tempDir } from './helpers.js';

const tmp = tempDir('auto-threads');
const ARGS = ['train', '--limit', '256', '--epochs', '2', '--batch-size', '32', '--no-pictures', '--json'];
/** The epoch lines without their timings, which differ between runs. */
const untimed = (stdout: string): Record<string, unknown>[] =>
  jsonLines(stdout)
    .filter((l) => 'epoch' in l)
    .map(({ sec: _s, images_per_sec: _i, ...rest }) => rest);

test('train --threads auto times both counts, writes the faster into config.json, and trains as --threads <that count> does', async () => {
  const auto = join(tmp, 'auto');
  const a = await cliAsync([...ARGS, '--threads', 'auto', '--out', auto]);
  assert.equal(a.status, 0, a.stderr);
  const config = JSON.parse(readFileSync(join(auto, 'config.json'), 'utf8')) as {
    threads: unknown;
    resolved: { threads: number; threads_auto_ms_per_step?: Record<string, number> };
  };
  assert.ok(config.threads === 1 || config.threads === availableParallelism(), `threads ${String(config.threads)}`);
  assert.equal(config.resolved.threads, config.threads);
  if (availableParallelism() > 1) {
    const timed = config.resolved.threads_auto_ms_per_step!;
    assert.deepEqual(Object.keys(timed).sort(), ['1', String(availableParallelism())].sort());
    assert.ok(Object.values(timed).every((ms) => ms > 0));
    const faster = Number(Object.entries(timed).sort((x, y) => x[1] - y[1])[0]![0]);
    assert.ok(timed['1'] === timed[String(faster)] || config.threads === faster, 'the faster count is kept');
  }
  assert.match(a.stderr, /--threads auto: \d+ \(ms per step: 1 thread\(s\) [\d.]+/);
  // The same run, the count given: the same numbers.
  const given = join(tmp, 'given');
  const g = await cliAsync([...ARGS, '--threads', String(config.threads), '--out', given]);
  assert.equal(g.status, 0, g.stderr);
  assert.deepEqual(untimed(a.stdout), untimed(g.stdout));
  // A resumed run keeps the count: two more epochs, and its config still names it.
  const r = await cliAsync(['train', '--resume', '--out', auto, '--epochs', '3', '--no-pictures', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /--threads auto/);
  assert.equal(
    (JSON.parse(readFileSync(join(auto, 'config.json'), 'utf8')) as { threads: unknown }).threads,
    config.threads,
  );
});

test('--threads takes a positive integer, auto or none, and says so', async () => {
  for (const bad of ['0', 'fast', '1.5']) {
    const r = await cliAsync([...ARGS, '--threads', bad, '--out', join(tmp, `bad-${bad}`)]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /--threads/);
  }
});

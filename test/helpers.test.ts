/** The shared test helpers themselves: what they compute, the messages they give, and the CLI runner. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import {
  assertBytesEqual,
  cli,
  cliAsync,
  firstByteDifference,
  jsonLines,
  maxAbsDiff,
  referenceDir,
  repoRoot,
  tempDir,
} from './helpers.js';

test('maxAbsDiff: the largest absolute difference; NaN stays NaN; lengths must agree', () => {
  assert.equal(maxAbsDiff([1, 2, 3], [1, 2.5, 1]), 2);
  assert.equal(maxAbsDiff(new Float32Array([-1, 4]), [1, 4]), 2);
  assert.equal(maxAbsDiff([], []), 0);
  assert.ok(Number.isNaN(maxAbsDiff([0, NaN, 0], [0, 0, 9])));
  assert.throws(() => maxAbsDiff([1, 2], [1]), { name: 'RangeError', message: /lengths differ \(2 vs 1\)/ });
});

test('the bytes helper names the first differing offset, and passes identical bytes', () => {
  const a = Uint8Array.from([1, 2, 3, 4]);
  assertBytesEqual(a, Buffer.from([1, 2, 3, 4]));
  assert.equal(firstByteDifference(a, Uint8Array.from([1, 2, 3, 4])), -1);
  assert.equal(firstByteDifference(a, Uint8Array.from([1, 2, 9, 4])), 2);
  assert.equal(firstByteDifference(a, Uint8Array.from([1, 2])), 2, 'a prefix differs where it ends');
  assert.throws(() => assertBytesEqual(a, Uint8Array.from([1, 2, 9, 4]), 'model.bin'), {
    name: 'AssertionError',
    message: /^model\.bin: differ at offset 2 \(0x03 vs 0x09; 4 vs 4 bytes\)/,
  });
  assert.throws(() => assertBytesEqual(a, Uint8Array.from([1, 2, 3])), {
    message: /differ at offset 3 \(0x04 vs end; 4 vs 3 bytes\)/,
  });
});

test('tempDir makes a fresh, empty, writable folder latentlab-<prefix>-XXXXXX under the OS temp folder', () => {
  const a = tempDir('helpers');
  const b = tempDir('helpers');
  assert.notEqual(a, b);
  for (const d of [a, b]) {
    assert.equal(dirname(d), tmpdir());
    assert.match(basename(d), /^latentlab-helpers-\w{6}$/);
    assert.ok(statSync(d).isDirectory());
    assert.deepEqual(readdirSync(d), []);
  }
  writeFileSync(join(a, 'x.txt'), 'x');
  assert.deepEqual(readdirSync(a), ['x.txt']);
});

test('jsonLines parses each non-empty line and names a line that is not JSON', () => {
  assert.deepEqual(jsonLines('{"a":1}\n\n{"b":[2]}\n'), [{ a: 1 }, { b: [2] }]);
  assert.deepEqual(jsonLines(''), []);
  assert.throws(() => jsonLines('{"a":1}\nepoch 1 done\n'), /line 2 of the output is not JSON: epoch 1 done/);
});

test('cli runs the command line from source: --help exits 0, an unknown command exits 1', async () => {
  const help = cli(['--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /Usage: latentlab/);
  assert.match(help.stdout, /\n {2}train\b/);
  const bad = cli(['frobnicate']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown command 'frobnicate'/);
  // The async variant, two at once, gives the same results.
  const dir = tempDir('helpers-cwd');
  const [a, b] = await Promise.all([cliAsync(['frobnicate'], { cwd: dir }), cliAsync(['--help'])]);
  assert.deepEqual(a, bad);
  assert.equal(b.status, 0, b.stderr);
  assert.equal(b.stdout, help.stdout);
});

test('the Python references are inside the repository', () => {
  assert.equal(referenceDir, join(repoRoot, 'bench', 'reference'));
  for (const f of ['safetensors_io.py', 'torch_vae.py', 'torch_dcgan.py'])
    assert.ok(existsSync(join(referenceDir, f)), `${f} is missing from bench/reference`);
});

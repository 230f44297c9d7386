/**
 * Run folders written before models declared their own options (test/fixtures/runs-v0.1, made by
 * commit bc35932, whose config.json holds every model's keys with null for "the family's
 * default") still open: they decode to the very pixels that code gave, evaluate to its numbers,
 * sample, export, and resume with the settings they were trained with.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { need } from '../src/models/capabilities.js';
import { tensor } from '../src/tensor/create.js';
import { tidy } from '../src/tensor/scope.js';
import { withOpenRun } from '../src/train/open-run.js';
import { readMetrics } from '../src/train/run-dir.js';
import { decodeLatents } from '../src/inference/latent.js';
import { assertClose, cli, repoRoot, tempDir } from './helpers.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'runs-v0.1');
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as Record<
  string,
  { z: number[][]; decode_sum: number; decode_first: number[]; eval?: Record<string, number> }
>;
const tmp = tempDir('legacy');

/** A copy of a fixture run (commands write into their run folder). */
function copy(name: string): string {
  const dir = join(tmp, name);
  cpSync(join(fixtures, name), dir, { recursive: true });
  return dir;
}

/** The commands run in this file's folder. */
const inTmp = { cwd: tmp };

for (const name of ['vae-mlp', 'gan-mlp']) {
  test(`a ${name} run of latentlab 0.1 opens and decodes to the pixels that version gave`, async () => {
    const want = expected[name]!;
    await withOpenRun(join(fixtures, name), (run) => {
      assert.equal(run.config.model, name);
      assert.equal(need(run.model, 'decoder', 'the test').latentDim, 2);
      const pixels = tidy(() => decodeLatents(run.model, tensor(want.z)).reshape(-1).toArray());
      assertClose([pixels.reduce((a, b) => a + b, 0)], [want.decode_sum], { atol: 1e-3, rtol: 0, what: 'sum' });
      assertClose(pixels.slice(300, 306), want.decode_first, { atol: 1e-6, rtol: 0, what: 'pixels 300-305' });
    });
  });
}

test('the old vae-mlp run evaluates to the numbers latentlab 0.1 gave, samples and exports', () => {
  const dir = copy('vae-mlp');
  const e = cli(['eval', '--run', dir, '--k', '10', '--limit', '100', '--json'], inTmp);
  assert.equal(e.status, 0, e.stderr);
  const got = JSON.parse(e.stdout.trim().split('\n').pop()!) as Record<string, number>;
  const want = expected['vae-mlp']!.eval!;
  for (const k of ['test_neg_elbo', 'test_recon', 'test_kl', 'iw_nll']) assert.equal(got[k], want[k], k);
  const s = cli(['sample', '--run', dir, '--n', '8', '--out', join(tmp, 'old-samples.png')], inTmp);
  assert.equal(s.status, 0, s.stderr);
  assert.ok(existsSync(join(tmp, 'old-samples.png')));
  const x = cli(['export', '--run', dir, '--format', 'onnx', '--out', join(tmp, 'old-onnx')], inTmp);
  assert.equal(x.status, 0, x.stderr);
  assert.ok(existsSync(join(tmp, 'old-onnx', 'decoder.onnx')) && existsSync(join(tmp, 'old-onnx', 'encoder.onnx')));
});

test("an old GAN run resumes with its family's settings (lr 2e-4), which its config.json left as null", () => {
  const dir = copy('gan-mlp');
  const stored = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(stored.lr, null, 'the fixture stores lr: null');
  const r = cli(
    ['train', '--resume', '--out', dir, '--epochs', '2', '--no-pictures', '--no-class-watch', '--json'],
    inTmp,
  );
  assert.equal(r.status, 0, r.stderr);
  const m = readMetrics(dir);
  assert.deepEqual(
    m.map((x) => x.epoch),
    [1, 2],
  );
  assert.equal(m[1]!.lr, 2e-4);
  assert.ok(Number.isFinite(m[1]!.train_d_loss));
});

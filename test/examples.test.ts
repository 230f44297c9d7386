/**
 * The programs of examples/ run as a user runs them (`node --import tsx examples/NAME.ts`, importing
 * 'latentlab'), in their tiny mode (small flags), and give real outputs: pictures that decode,
 * finite numbers, a falling loss, ONNX matching latentlab, anomaly scores for the images given.
 * One tiny run, trained by examples/train-vae.ts, is shared by the examples that need one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { loadMnist } from '../src/data/builtin.js';
import { loadSafetensors } from '../src/tensor/safetensors.js';
import { disposeAll } from '../src/tensor/scope.js';
import { decodePng, savePng } from '../src/viz/grid.js';
import { prng, repoRoot, tempDir } from './helpers.js';

const tmp = tempDir('examples');
// 'latentlab' resolves through package.json's "exports" to dist/, which scripts/test.sh compiles
// first. Run alone, this file points it at src/index.ts with a tsconfig "paths" entry for tsx.
const env = { ...process.env };
if (process.env.LATENTLAB_TEST_DIST !== '1') {
  env.TSX_TSCONFIG_PATH = join(tmp, 'tsconfig.json');
  const paths = { latentlab: [join(repoRoot, 'src', 'index.ts')] };
  writeFileSync(
    env.TSX_TSCONFIG_PATH,
    JSON.stringify({ extends: join(repoRoot, 'tsconfig.json'), compilerOptions: { paths } }),
  );
}

/** Runs examples/<name>.ts with `args` (and --out <tmp>/<name>); gives its standard output. */
function example(name: string, args: string[]): string {
  const file = join(repoRoot, 'examples', `${name}.ts`);
  const argv = ['--import', import.meta.resolve('tsx'), file, ...args, '--out', join(tmp, name)];
  const r = spawnSync(process.execPath, argv, { cwd: tmp, env, encoding: 'utf8' });
  assert.equal(r.status, 0, `${name}: ${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The numbers that `re`'s groups capture in every match, each asserted finite. */
function numbers(out: string, re: RegExp): number[][] {
  const rows = [...out.matchAll(new RegExp(re, 'gm'))].map((m) => m.slice(1).map(Number));
  assert.ok(rows.length > 0, `no ${re} in:\n${out}`);
  for (const v of rows.flat()) assert.ok(Number.isFinite(v), `${v} in:\n${out}`);
  return rows;
}

/** A PNG of the given size that decodes and is not one flat colour. */
async function assertPicture(file: string, width: number, height: number): Promise<void> {
  const img = await decodePng(file);
  assert.deepEqual([img.width, img.height], [width, height], file);
  assert.ok(new Set(img.data).size > 2, `${file} is blank`);
}

const run = join(tmp, 'train-vae', 'run');
let trainOut = '';
before(() => {
  trainOut = example('train-vae', ['--limit', '512', '--epochs', '1']);
});

test('train-vae trains through the library and samples the run', async () => {
  const [[negElbo]] = numbers(trainOut, /^epoch 1: test -ELBO ([\d.]+) nats$/) as [[number]];
  assert.ok(negElbo < 784 * Math.LN2, `test -ELBO ${negElbo}: no better than a coin per pixel`);
  assert.ok(existsSync(join(run, 'model.safetensors')));
  // 64 samples, 8 columns of 28 + 2 pixels (and 2 around), scaled twice.
  for (const t of ['1', '0.7']) await assertPicture(join(tmp, 'train-vae', `samples-t${t}.png`), 484, 484);
});

test('custom-loop: the loss falls, tidy() keeps the tensor count, the weights load', () => {
  const out = example('custom-loop', ['--limit', '512', '--epochs', '2', '--log-every', '1']);
  const losses = numbers(out, /^step \d+: -ELBO ([\d.]+) nats$/).map(([v]) => v!);
  assert.equal(losses.length, 8, out); // 2 epochs of 4 batches of 128
  assert.ok(losses.at(-1)! < losses[0]! - 20, `losses ${losses.join(', ')}`);
  const live = numbers(out, /^epoch \d done; live tensors: (\d+)/).map(([v]) => v);
  assert.deepEqual(live, [live[0], live[0]], out);
  const { tensors } = loadSafetensors(join(tmp, 'custom-loop', 'tiny-vae.safetensors'));
  assert.deepEqual(tensors['mu.weight']?.shape, [16, 256]);
  assert.deepEqual(tensors['dec.2.bias']?.shape, [784]);
  disposeAll(tensors);
});

test('gan trains gan-mlp and draws samples and a walk', async () => {
  const out = example('gan', ['--limit', '256', '--epochs', '1']);
  const re = /^epoch 1: D loss ([\d.]+), G loss ([\d.]+), D\(x\) ([\d.]+), D\(G\(z\)\) ([\d.]+)$/;
  const [[, , dReal, dFake]] = numbers(out, re) as [number[]];
  for (const d of [dReal!, dFake!]) assert.ok(d > 0 && d < 1, out);
  await assertPicture(join(tmp, 'gan', 'samples.png'), 484, 484);
  await assertPicture(join(tmp, 'gan', 'walk.png'), 604, 484); // 8 rows of 10 steps
});

test('anomaly-scores ranks a folder of PNGs: noise and a white square above digits', async () => {
  const folder = join(tmp, 'pngs');
  mkdirSync(folder);
  const mnist = await loadMnist('test');
  const pixels = mnist.images.slice(0, 0, 4).contiguous().toTypedArray() as Uint8Array;
  for (let i = 0; i < 4; i++)
    await savePng(join(folder, `digit${i}.png`), {
      width: 28,
      height: 28,
      channels: 1,
      data: pixels.slice(i * 784, (i + 1) * 784),
    });
  mnist.dispose();
  const rand = prng(1);
  const noise = Uint8Array.from({ length: 784 * 3 }, () => Math.floor(256 * rand())); // RGB: averaged to grey
  await savePng(join(folder, 'noise.png'), { width: 28, height: 28, channels: 3, data: noise });
  await savePng(join(folder, 'white.png'), { width: 28, height: 28, channels: 1, data: new Uint8Array(784).fill(255) });

  const out = example('anomaly-scores', ['--run', run, '--folder', folder, '--k', '8', '--top', '6']);
  const lines = [...out.matchAll(/^(\w+)\.png: reconstruction ([\d.]+), neg_elbo ([\d.]+), iw_nll ([\d.]+)$/gm)];
  assert.equal(lines.length, 6, out);
  numbers(out, /^\w+\.png: reconstruction ([\d.]+), neg_elbo ([\d.]+), iw_nll ([\d.]+)$/);
  assert.deepEqual(
    lines
      .map((m) => m[1])
      .slice(0, 2)
      .sort(),
    ['noise', 'white'],
    out,
  );
  const iw = lines.map((m) => Number(m[4]));
  assert.deepEqual(
    iw,
    [...iw].sort((a, b) => b - a),
    'most anomalous first',
  );
  await assertPicture(join(tmp, 'anomaly-scores', 'most-anomalous.png'), 184, 124); // 3 x 2 tiles
});

test('onnx-decoder: onnxruntime gives latentlab decode to 1e-5', async () => {
  const out = example('onnx-decoder', ['--run', run]);
  const [[diff]] = numbers(out, /max \|difference\| ([\d.e+-]+) over 12544 pixels/) as [[number]];
  assert.ok(diff < 1e-5, out);
  assert.ok(existsSync(join(tmp, 'onnx-decoder', 'onnx', 'encoder.onnx')));
  await assertPicture(join(tmp, 'onnx-decoder', 'onnx-samples.png'), 244, 244);
});

test('evaluate: test -ELBO and IW NLL, the IW bound below the ELBO', () => {
  const out = example('evaluate', ['--run', run, '--k', '16', '--test-images', '200']);
  const [[images, negElbo]] = numbers(out, /^(\d+) test images: -ELBO ([\d.]+) nats$/) as [[number, number]];
  const [[k, iwNll]] = numbers(out, /^IW NLL \(k=(\d+)\) ([\d.]+) nats/) as [[number, number]];
  assert.deepEqual([images, k], [200, 16]);
  assert.ok(iwNll < negElbo && negElbo < 784 * Math.LN2, out);
  const saved = JSON.parse(readFileSync(join(tmp, 'evaluate', 'eval.json'), 'utf8')) as Record<string, number>;
  assert.equal(saved.test_images, 200);
  // Per k on the same 100 images: k = 1 is the ELBO itself; the IW NLL falls as k grows.
  const rows = numbers(out, /^k=(\d+): -ELBO ([\d.]+), IW NLL ([\d.]+) nats per image$/);
  assert.deepEqual(
    rows.map(([kk]) => kk),
    [1, 10, 16],
  );
  assert.equal(rows[0]![1], rows[0]![2]);
  for (const [, elbo, iw] of rows) assert.ok(iw! <= elbo!, out);
  assert.ok(rows[2]![2]! < rows[0]![2]!, out);
});

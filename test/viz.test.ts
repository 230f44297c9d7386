import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import * as L from '../src/index.js';
import { cli, tempDir } from './helpers.js';

const { viz } = L;
const tmp = tempDir('viz');

test('a grid of n images has the right size and each tile equals its image', () => {
  const n = 7;
  const [c, h, w] = [1, 3, 4];
  const pixels = Uint8Array.from({ length: n * c * h * w }, (_, i) => (i * 37) % 251);
  const o = { cols: 3, pad: 2, scale: 2, padValue: 255 };
  const g = viz.tileImages(pixels, [n, c, h, w], o);
  assert.deepEqual([g.width, g.height], [(3 * (w + 2) + 2) * 2, (3 * (h + 2) + 2) * 2]);
  for (let i = 0; i < n; i++) {
    const [x0, y0] = viz.tileOrigin(i, [h, w], o);
    for (let y = 0; y < h * 2; y++)
      for (let x = 0; x < w * 2; x++) {
        const want = pixels[i * h * w + Math.floor(y / 2) * w + Math.floor(x / 2)];
        assert.equal(g.data[(y0 + y) * g.width + x0 + x], want, `tile ${i} at ${x},${y}`);
      }
  }
  assert.equal(g.data[0], 255, 'padding');
  const rgb = viz.tileImages(new Uint8Array(2 * 3 * 2 * 2).fill(9), [2, 3, 2, 2], { cols: 2, pad: 0 });
  assert.equal(rgb.channels, 3);
  assert.deepEqual([rgb.width, rgb.height], [4, 2]);
});

test('PNG files hold exactly the raster written', async () => {
  const raster = viz.tileImages(
    Uint8Array.from({ length: 16 }, (_, i) => i * 16),
    [1, 1, 4, 4],
    { pad: 0 },
  );
  const path = join(tmp, 'g.png');
  await viz.savePng(path, raster);
  const back = await viz.decodePng(path);
  assert.deepEqual([back.width, back.height], [4, 4]);
  assert.deepEqual(
    Array.from(back.data).filter((_, i) => i % back.channels === 0),
    Array.from(raster.data),
  );
});

test('a decoder with known weights gives the known image', () => {
  const m = new L.models.VaeMlp({ latent: 2, hidden: 3, imageShape: [1, 2, 2] });
  L.noGrad(() => {
    for (const [name, t] of Object.entries(m.stateDict())) if (name.startsWith('dec.')) t.zero_();
    m.dec.layers[2]!.stateDict().bias!.copy_(L.tensor([0, 2, -2, 1]));
  });
  const img = L.tidy(() => viz.decodeLatents(m, L.tensor([[5, -3]])).toArray());
  const sig = (x: number): number => 1 / (1 + Math.exp(-x));
  img.forEach((v, i) => assert.ok(Math.abs(v - sig([0, 2, -2, 1][i]!)) < 1e-6));
});

test('the z=2 manifold decodes exactly at the inverse-CDF grid points', () => {
  const m = new L.models.VaeMlp({ latent: 2, hidden: 8, imageShape: [1, 4, 4] });
  const seen: number[][] = [];
  const decode = m.decode.bind(m);
  m.decode = (z) => {
    seen.push(z.toArray());
    return decode(z);
  };
  L.tidy(() => viz.decodeLatents(m, viz.manifoldLatents(2, { n: 3 })));
  // Phi^-1 of 0.05, 0.5, 0.95; rows from high z2 to low, columns from low z1 to high.
  const q = 1.6448536269514722;
  const want = [
    [-q, q],
    [0, q],
    [q, q],
    [-q, 0],
    [0, 0],
    [q, 0],
    [-q, -q],
    [0, -q],
    [q, -q],
  ].flat();
  assert.equal(seen.length, 1);
  seen[0]!.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-6, `point ${i}: ${v} vs ${want[i]}`));
});

test('an animated GIF decodes to the expected number of frames', async () => {
  const frames = Array.from({ length: 5 }, (_, k) =>
    viz.tileImages(new Uint8Array(64).fill(k * 50), [1, 1, 8, 8], { pad: 0 }),
  );
  const gif = viz.encodeGif(frames, 100);
  const meta = await sharp(Buffer.from(gif), { animated: true }).metadata();
  assert.equal(meta.pages, 5);
  assert.equal(meta.format, 'gif');
  const rgb = viz.encodeGif([viz.tileImages(new Uint8Array(48).fill(200), [1, 3, 4, 4], { pad: 0 })]);
  assert.equal((await sharp(Buffer.from(rgb), { animated: true }).metadata()).pages, 1);
});

test('KL and JS divergences of Gaussians', () => {
  const n01 = { mu: 0, sigma: 1 };
  assert.equal(viz.klGaussian(n01, n01), 0);
  assert.ok(Math.abs(viz.klGaussian(n01, { mu: 1, sigma: 1 }) - 0.5) < 1e-12);
  assert.ok(Math.abs(viz.jsGaussian(n01, n01)) < 1e-9);
  const far = viz.jsGaussian(n01, { mu: 40, sigma: 1 });
  assert.ok(Math.abs(far - Math.log(2)) < 1e-6, `JS of disjoint Gaussians is log 2, got ${far}`);
  const mid = viz.jsGaussian(n01, { mu: 1, sigma: 1 });
  assert.ok(mid > 0 && mid < 0.5 / 2, 'JS is below KL/2 here');
});

test('slerp keeps the norm between two points of equal norm; linear goes through the middle', () => {
  const a = L.tensor([3, 0]);
  const b = L.tensor([0, 3]);
  const s = L.tidy(() => viz.interpolateLatents(a, b, 5, 'slerp').toArray());
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(Math.hypot(s[2 * i]!, s[2 * i + 1]!) - 3) < 1e-5);
  const l = L.tidy(() => viz.interpolateLatents(a, b, 3, 'linear').toArray());
  assert.deepEqual(l.slice(2, 4), [1.5, 1.5]);
});

// --- the commands, on a tiny trained run ---------------------------------------------------

/** The commands run in this file's folder. */
const inTmp = { cwd: tmp };

const run = join(tmp, 'z2');
test('train writes its pictures, and every visual command draws a run', async () => {
  const t = cli(
    ['train', '--latent', '2', '--limit', '512', '--epochs', '2', '--batch-size', '64', '--out', run, '--json'],
    inTmp,
  );
  assert.equal(t.status, 0, t.stderr);
  for (const f of [
    'samples.png',
    'reconstructions.png',
    'latent-map.png',
    'latent-map.svg',
    'curves.png',
    'curves.svg',
    'progress.gif',
    'manifold.png',
  ]) {
    assert.ok(existsSync(join(run, f)), `${f} missing after train`);
  }
  assert.equal((await sharp(join(run, 'progress.gif'), { animated: true }).metadata()).pages, 2, 'one frame per epoch');
  for (const args of [
    ['sample', '--n', '16', '--out', join(tmp, 's.png')],
    ['decode', '--z', '0.5,-1.2', '--z', '0,0', '--out', join(tmp, 'd.png')],
    ['reconstruct', '--n', '8'],
    ['manifold', '--n', '10', '--out', join(tmp, 'm.png')],
    ['latent-map', '--limit', '500'],
    ['interpolate', '--from', '3', '--to', '7', '--steps', '6', '--mode', 'slerp'],
    ['traverse', '--steps', '5'],
    ['curves'],
  ]) {
    const r = cli([args[0]!, '--run', run, ...args.slice(1), '--json'], inTmp);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    const files = (JSON.parse(r.stdout) as { files: string[] }).files;
    for (const f of files) assert.ok(existsSync(f), `${args[0]} said it wrote ${f}`);
  }
  const d = await viz.decodePng(join(tmp, 'd.png'));
  assert.deepEqual([d.width, d.height], [(2 * 30 + 2) * 2, (1 * 30 + 2) * 2], 'two decoded images side by side');
  const walk = await sharp(join(run, 'interpolation.gif'), { animated: true }).metadata();
  assert.equal(walk.pages, 6 + 4, 'there and back');
  const div = cli(['divergence', '--out', join(tmp, 'div'), '--json'], inTmp);
  assert.equal(div.status, 0, div.stderr);
  const pairs = (JSON.parse(div.stdout) as { pairs: { kl: number }[] }).pairs;
  assert.equal(pairs[0]!.kl, 0);
  assert.ok(Math.abs(pairs[1]!.kl - 0.5) < 1e-12);
});

test('bad input to the visual commands gives a clear error and writes nothing', () => {
  const before = readdirSync(run).sort();
  for (const [args, re] of [
    [
      ['decode', '--run', run, '--z', '1,2,3'],
      /latent vector 1 \(1,2,3\) has 3 values but the model's latent space has 2 dimensions/,
    ],
    [['decode', '--run', run, '--z', '0.5,abc'], /'abc' is not a number/],
    [['sample', '--run', join(tmp, 'no-such-run')], /no run at .*no-such-run/],
    [
      ['interpolate', '--run', run, '--from', '3', '--to', '10000'],
      /test image 10000 does not exist: the test set has 10000 images \(0 to 9999\)/,
    ],
    [['traverse', '--run', run, '--dims', '5'], /--dims: dimensions are 0 to 1/],
  ] as [string[], RegExp][]) {
    const r = cli(args, inTmp);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr, re);
  }
  assert.deepEqual(readdirSync(run).sort(), before, 'no file was added to the run');
  assert.ok(readFileSync(join(run, 'config.json'), 'utf8').includes('"latent": 2'));
});

test('training curves: a panel per metric the model declares (a VAE: -ELBO, reconstruction, KL; a plain autoencoder: reconstruction); without declarations, per metric recorded', async () => {
  const { curvePanels, curvesSpec } = await import('../src/viz/charts.js');
  const { ELBO_METRICS, RECONSTRUCTION_METRICS } = await import('../src/models/common/metrics.js');
  const rows = (spec: ReturnType<typeof curvesSpec>): { quantity: string; split: string; value: number }[] =>
    (spec.data as { values: { quantity: string; split: string; value: number }[] }).values;
  const panels = (metrics: Record<string, number>[], declared?: Parameters<typeof curvePanels>[0]): string[] => [
    ...new Set(rows(curvesSpec(metrics, 't', declared && curvePanels(declared))).map((r) => r.quantity)),
  ];
  const epoch = (e: number, kl: number): Record<string, number> => ({
    epoch: e,
    train_loss: 100 + kl,
    train_neg_elbo: 100 + kl,
    train_recon: 100,
    train_kl: kl,
    test_neg_elbo: 101 + kl,
    test_recon: 101,
    test_kl: kl,
  });
  const vae = [epoch(1, 20), epoch(2, 18)];
  assert.deepEqual(panels(vae, ELBO_METRICS), [
    '-ELBO (nats per image)',
    'recon (nats per image)',
    'KL (nats per image)',
  ]);
  assert.deepEqual(panels([epoch(1, 0), epoch(2, 0)], RECONSTRUCTION_METRICS), ['recon (nats per image)']);
  assert.deepEqual(panels(vae), ['neg elbo', 'recon', 'kl']);
  // Each panel's lines are the splits, with the recorded values.
  const kl = rows(curvesSpec(vae, 't', curvePanels(ELBO_METRICS))).filter((r) => r.quantity.startsWith('KL'));
  assert.deepEqual(
    kl.map((r) => [r.split, r.value]),
    [
      ['train', 20],
      ['test', 20],
      ['train', 18],
      ['test', 18],
    ],
  );
});

import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as L from '../src/index.js';
import { auroc, averagePrecision, precisionRecall, quantile, rocCurve } from '../src/eval/ranking.js';
import { activeUnits, importanceWeightedNll } from '../src/eval/likelihood.js';
import { classHistogram, frechetDistance, inceptionScore } from '../src/eval/fid.js';
import {
  FeatureClassifier,
  accuracy,
  featuresAndProbs,
  trainClassifier,
  classifierPath,
} from '../src/eval/classifier.js';
import { cli, jsonLines, tempDir } from './helpers.js';

const tmp = tempDir('eval');

test('AUROC, average precision and ROC points on hand-computed cases', () => {
  // scikit-learn's documented example: AUROC 0.75, AP 0.8333.
  const s = [0.1, 0.4, 0.35, 0.8];
  const y = [false, false, true, true];
  assert.equal(auroc(s, y), 0.75);
  assert.ok(Math.abs(averagePrecision(s, y) - (0.5 * 1 + 0.5 * (2 / 3))) < 1e-12);
  assert.deepEqual(
    rocCurve(s, y).map((p) => [p.fpr, p.tpr]),
    [
      [0, 0],
      [0, 0.5],
      [0.5, 0.5],
      [0.5, 1],
      [1, 1],
    ],
  );
  assert.equal(auroc([1, 2, 3], [false, true, true]), 1);
  assert.equal(auroc([3, 2, 1], [false, true, true]), 0);
  assert.equal(auroc([1, 1], [true, false]), 0.5, 'a tie counts one half');
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([0, 10], 0.95), 9.5);
  assert.deepEqual(precisionRecall([0.1, 0.9, 0.8, 0.2], [false, true, false, true], 0.5), {
    precision: 0.5,
    recall: 0.5,
    flagged: 2,
  });
  assert.throws(() => auroc([1, 2], [true, true]), /need both classes/);
});

function tinyVae(seed = 0): L.models.VaeMlp {
  L.manualSeed(seed);
  return new L.models.VaeMlp({ latent: 3, hidden: 16, imageShape: [1, 4, 4] });
}

test('the importance-weighted NLL is at most the negative ELBO for every image, equal at k = 1, and falls as k grows', () => {
  const m = tinyVae();
  const x = L.tidy(() => L.bernoulli(L.full([64, 1, 4, 4], 0.3)));
  L.manualSeed(1);
  const one = importanceWeightedNll(m, x, 1);
  one.iwNll.forEach((v, i) => assert.ok(Math.abs(v - one.negElbo[i]!) < 1e-3, 'k = 1 is the ELBO'));
  const means: number[] = [];
  for (const k of [1, 10, 100, 1000]) {
    L.manualSeed(2);
    const r = importanceWeightedNll(m, x, k, 500); // small chunks: the running log-sum-exp is exercised
    r.iwNll.forEach((v, i) => assert.ok(v <= r.negElbo[i]! + 1e-4, `image ${i}, k ${k}: ${v} > ${r.negElbo[i]}`));
    means.push(r.iwNll.reduce((a, b) => a + b, 0) / r.iwNll.length);
  }
  // The bound tightens by less and less; beyond k = 100 the gain is within the estimate's noise.
  assert.ok(means[1]! < means[0]! && means[2]! < means[1]!, `mean NLL ${means.join(' > ')}`);
  assert.ok(means[3]! < means[2]! + 0.02, `mean NLL ${means.join(' > ')}`);
  assert.throws(
    () => importanceWeightedNll(new L.models.AeMlp({ latent: 2, hidden: 4, imageShape: [1, 2, 2] }), x, 5),
    /importance sampling needs a posterior q\(z\|x\) with a log-density \(a VAE\); ae-mlp has none/,
  );
});

test('active units count the dimensions whose posterior mean varies', () => {
  const mu = L.tidy(() => L.stack([L.randn([500]).mul(1), L.randn([500]).mul(0.01), L.randn([500]).mul(0.5)], 1));
  assert.equal(activeUnits(mu).count, 2);
});

test('Fréchet distance: ~0 for the same distribution, |m|^2 for a shift, D for a doubled standard deviation', () => {
  L.manualSeed(3);
  const [a, b, shifted, wide] = L.tidy(() => [
    L.randn([20000, 4]),
    L.randn([20000, 4]),
    L.randn([20000, 4]).add(L.tensor([1, 2, 0, 0])),
    L.randn([20000, 4]).mul(2),
  ]);
  assert.ok(frechetDistance(a, b) < 0.01);
  assert.ok(Math.abs(frechetDistance(a, shifted) - 5) < 0.1);
  assert.ok(Math.abs(frechetDistance(a, wide) - 4) < 0.1);
  assert.ok(Math.abs(inceptionScore(L.eye(5)) - 5) < 1e-9, 'confident and diverse: the number of classes');
  assert.ok(Math.abs(inceptionScore(L.full([7, 5], 0.2)) - 1) < 1e-9, 'uninformative: 1');
  assert.deepEqual(
    classHistogram(
      L.tensor([
        [0.9, 0.1],
        [0.2, 0.8],
        [0.7, 0.3],
      ]),
    ).counts,
    [2, 1],
  );
});

test('classifier features: FID of test against train images is far below that of random noise', async () => {
  const train = (await L.datasets.loadMnist('train')).take(6000);
  const testSet = (await L.datasets.loadMnist('test')).take(1000);
  L.manualSeed(0);
  const net = new FeatureClassifier([1, 28, 28], 10);
  const acc = trainClassifier(net, train, testSet, 2);
  assert.ok(acc > 0.85, `accuracy after two epochs on 6,000 images: ${acc}`);
  assert.equal(accuracy(net, testSet), acc);
  const fids = L.tidy(() => {
    const real = featuresAndProbs(net, testSet.images.float().div(255)).features;
    const ref = featuresAndProbs(net, train.images.slice(0, 0, 1000).float().div(255)).features;
    const noise = featuresAndProbs(net, L.rand([1000, 1, 28, 28])).features;
    return { test: frechetDistance(real, ref), noise: frechetDistance(noise, ref) };
  });
  assert.ok(fids.noise > 20 * fids.test, `FID test ${fids.test}, noise ${fids.noise}`);
  // Cache it where the commands below will find it.
  const cache = join(tmp, 'cache');
  process.env.LATENTLAB_CACHE = cache;
  L.saveSafetensors(classifierPath('mnist'), net.stateDict(), {
    format: 'pt',
    dataset: 'mnist',
    accuracy: String(acc),
    epochs: '2',
    image_shape: '[1,28,28]',
    classes: '10',
  });
  delete process.env.LATENTLAB_CACHE;
});

test('the calibrated score: a least-squares line on normal images, subtracted', async () => {
  const { fitComplexityLine, calibratedScores, complexityBits } = await import('../src/eval/anomaly.js');
  // Points on y = 3 + 2x plus symmetric noise: the fit recovers the line exactly.
  const bits = Float64Array.from([1, 2, 3, 4, 5, 6]);
  const scores = Float64Array.from([5.5, 6.5, 9.5, 10.5, 13.5, 14.5]);
  const line = fitComplexityLine(bits, Float64Array.from([5, 7, 9, 11, 13, 15]));
  assert.ok(Math.abs(line.slope - 2) < 1e-12 && Math.abs(line.intercept - 3) < 1e-12, JSON.stringify(line));
  assert.deepEqual(
    Array.from(calibratedScores(scores, bits, line), (v) => Math.round(v * 1e9) / 1e9),
    [0.5, -0.5, 0.5, -0.5, 0.5, -0.5],
  );
  assert.throws(() => fitComplexityLine(Float64Array.from([1]), Float64Array.from([1])), /at least 2/);
  // Complexity: an empty image compresses to far fewer bits than noise.
  const pixels = new Uint8Array(2 * 784);
  for (let i = 784; i < 2 * 784; i++) pixels[i] = (i * 7919) % 251;
  const ds = L.datasets.ImageDataset.fromArrays({
    name: 't',
    pixels,
    labels: [0, 0],
    shape: [1, 28, 28],
    classNames: ['a'],
  });
  const [blank, noise] = complexityBits(ds);
  ds.dispose();
  assert.ok(blank! < 100 && noise! > 20 * blank!, `blank ${blank} bits, noise ${noise} bits`);
});

// --- the commands ------------------------------------------------------------------------

/** The commands run in the test's folder, with the feature network cached above. */
const inTmp = { cwd: tmp, env: { LATENTLAB_CACHE: join(tmp, 'cache') } };

test('eval reports the test ELBO, bits per dimension, active units and the importance-weighted NLL', () => {
  const run = join(tmp, 'eval-run');
  assert.equal(cli(['train', '--limit', '1024', '--epochs', '2', '--out', run, '--no-pictures'], inTmp).status, 0);
  const r = cli(['eval', '--run', run, '--k', '50', '--limit', '300', '--json'], inTmp);
  assert.equal(r.status, 0, r.stderr);
  const e = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
  assert.equal(e.test_images, 300);
  assert.equal(e.k, 50);
  assert.ok(e.iw_nll! < e.test_neg_elbo!, `iw_nll ${e.iw_nll} vs -ELBO ${e.test_neg_elbo}`);
  assert.ok(Math.abs(e.bits_per_dim! - e.test_neg_elbo! / (784 * Math.LN2)) < 1e-3);
  assert.ok(e.active_units! >= 1 && e.active_units! <= 20);
  assert.ok(existsSync(join(run, 'eval.json')));
});

test('anomaly: trained on ones, the other digits are flagged; scores, pictures, and new images', async () => {
  const run = join(tmp, 'ones');
  const r = cli(
    ['anomaly', '--dataset', 'mnist', '--normal', '1', '--epochs', '2', '--k', '10', '--out', run, '--json'],
    inTmp,
  );
  assert.equal(r.status, 0, r.stderr);
  const a = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    scores: { score: string; auroc: number; precision: number; recall: number }[];
    anomalous_images: number;
    files: string[];
  };
  assert.equal(a.anomalous_images, 10000 - 1135);
  assert.deepEqual(
    a.scores.map((s) => s.score),
    ['calibrated', 'reconstruction', 'neg_elbo', 'iw_nll'],
  );
  for (const s of a.scores) assert.ok(s.auroc > 0.9, `${s.score} AUROC ${s.auroc}`);
  for (const f of a.files) assert.ok(existsSync(f), f);
  // New images: a one and a zero from the test set, written as PNGs.
  const dir = join(tmp, 'new-images');
  mkdirSync(dir, { recursive: true });
  const testSet = await L.datasets.loadMnist('test');
  const labels = testSet.labels.toArray();
  for (const [name, digit] of [
    ['a-one.png', 1],
    ['a-zero.png', 0],
  ] as const) {
    const i = labels.indexOf(digit);
    await L.viz.saveImageGrid(
      join(dir, name),
      L.tidy(() =>
        testSet.images
          .slice(0, i, i + 1)
          .float()
          .div(255),
      ),
      { pad: 0, scale: 1 },
    );
  }
  const s = cli(['anomaly', 'score', '--run', run, '--images', dir, '--json'], inTmp);
  assert.equal(s.status, 0, s.stderr);
  const lines = jsonLines(s.stdout) as { file?: string; score?: number; anomalous?: boolean; flagged?: number }[];
  const one = lines.find((l) => l.file?.endsWith('a-one.png'))!;
  const zero = lines.find((l) => l.file?.endsWith('a-zero.png'))!;
  assert.ok(zero.score! > one.score!, 'the zero scores as more anomalous than the one');
  assert.equal(zero.anomalous, true);
  assert.equal(lines.at(-1)!.flagged! >= 1, true);
  assert.match(
    cli(['anomaly', 'score', '--run', join(tmp, 'eval-run'), '--images', dir], inTmp).stderr,
    /has no anomaly\.json/,
  );
});

test('quality: FID-style score, Inception-style score and class coverage of a run, naming its feature network', () => {
  const run = join(tmp, 'eval-run');
  const r = cli(['quality', '--run', run, '--n', '1000', '--json'], inTmp);
  assert.equal(r.status, 0, r.stderr);
  const q = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    fid: number;
    inception_score: number;
    class_counts: number[];
    feature_network: string;
  };
  assert.ok(q.fid > 0 && Number.isFinite(q.fid));
  assert.ok(q.inception_score >= 1 && q.inception_score <= 10);
  assert.equal(
    q.class_counts.reduce((a, b) => a + b, 0),
    1000,
  );
  assert.match(q.feature_network, /mnist CNN classifier/);
});

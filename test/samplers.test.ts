/**
 * Post-hoc samplers (src/inference/samplers/): EM on a known mixture, the mixture's
 * log-density against PyTorch's MixtureSameFamily, the Gaussian fit against the sample
 * moments, BIC's choice of K, and the commands (sample, quality, the explorer's route) that
 * fit, save, reuse and refit them.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { randn, tensor } from '../src/tensor/create.js';
import { cat } from '../src/tensor/functional.js';
import { manualSeed } from '../src/tensor/runtime.js';
import { disposeAll, tidy } from '../src/tensor/scope.js';
import { loadSafetensors, saveSafetensors } from '../src/tensor/safetensors.js';
import { FeatureClassifier, classifierPath } from '../src/eval/classifier.js';
import { fitGmm } from '../src/inference/samplers/gmm.js';
import { fitGaussian } from '../src/inference/samplers/gaussian.js';
import { bic, chooseByBic, eligibleComponents, gmmParameterCount } from '../src/inference/samplers/bic.js';
import { MixtureSampler } from '../src/inference/samplers/mixture.js';
import { checkSamplerChoice, samplerForRun } from '../src/inference/samplers/for-run.js';
import { openRunSync } from '../src/train/open-run.js';
import { createServer } from '../src/server/app.js';
import { visualCommands } from '../src/cli/visual.js';
import { tinyRun } from './fixtures.js';
import type { FittedDensity, ModelInfo } from '../src/wire/types.js';
import { drawCode } from '../web/src/sampling.js';
import { assertClose, cliAsync, hasTorchPython, runTorch, tempDir } from './helpers.js';

const tmp = tempDir('samplers');

/** n draws from N(mean, A A^T) in 2-D. */
const draws = (n: number, mean: number[], a: number[][]) =>
  tidy(() =>
    randn([n, 2], { dtype: 'float64' })
      .matmul(tensor(a, { dtype: 'float64' }).t())
      .add(tensor([mean], { dtype: 'float64' })),
  );

/** Covariance A A^T of a 2x2 A, row-major. */
const aat = (a: number[][]): number[] => {
  const [[p, q], [r, s]] = a as [[number, number], [number, number]];
  return [p * p + q * q, p * r + q * s, p * r + q * s, r * r + s * s];
};

test('EM recovers a known 2-D mixture: weights, means and covariances', () => {
  manualSeed(3);
  const truth = [
    {
      w: 0.5,
      mean: [-4, 0],
      a: [
        [1, 0],
        [0.6, 0.5],
      ],
    },
    {
      w: 0.3,
      mean: [3, 3],
      a: [
        [0.5, 0],
        [0, 1.2],
      ],
    },
    {
      w: 0.2,
      mean: [3, -4],
      a: [
        [0.8, 0],
        [-0.4, 0.4],
      ],
    },
  ];
  const n = 4000;
  const x = cat(truth.map((c) => draws(n * c.w, c.mean, c.a)));
  const fit = fitGmm(x, 3, { seed: 1 });
  assert.ok(fit.converged && fit.iterations < 100, `converged after ${fit.iterations} iterations`);
  const means = fit.params.means.toArray();
  const weights = fit.params.weights.toArray();
  const covs = fit.params.covariances.toArray();
  for (const c of truth) {
    // The fitted component nearest to this true mean.
    const k = [0, 1, 2].sort(
      (i, j) =>
        Math.hypot(means[2 * i]! - c.mean[0]!, means[2 * i + 1]! - c.mean[1]!) -
        Math.hypot(means[2 * j]! - c.mean[0]!, means[2 * j + 1]! - c.mean[1]!),
    )[0]!;
    assertClose(means.slice(2 * k, 2 * k + 2), c.mean, { atol: 0.1, rtol: 0, what: `mean of ${c.mean}` });
    assertClose([weights[k]!], [c.w], { atol: 0.02, rtol: 0, what: `weight of ${c.mean}` });
    assertClose(covs.slice(4 * k, 4 * k + 4), aat(c.a), { atol: 0.1, rtol: 0.1, what: `covariance of ${c.mean}` });
  }
  // A second fit with the same seed is the same fit.
  const again = fitGmm(x, 3, { seed: 1 });
  assert.deepEqual(again.params.means.toArray(), means);
  disposeAll([x, fit.params, again.params]);
});

test(
  'the mixture log-density equals PyTorch MixtureSameFamily, and its draws have the mixture moments',
  { skip: !hasTorchPython() && 'no Debian python3-torch' },
  () => {
    const weights = [0.2, 0.5, 0.3];
    const means = [
      [0, 1, -1],
      [2, -2, 0.5],
      [-3, 0, 1],
    ];
    const covs = [
      [
        [1, 0.3, 0],
        [0.3, 0.5, 0.1],
        [0, 0.1, 2],
      ],
      [
        [0.4, 0, 0],
        [0, 0.4, 0],
        [0, 0, 0.4],
      ],
      [
        [2, -0.5, 0.2],
        [-0.5, 1, 0],
        [0.2, 0, 0.3],
      ],
    ];
    const z = [
      [0, 0, 0],
      [2, -2, 0.5],
      [-3, 1, 1],
      [5, 5, -5],
    ];
    const s = new MixtureSampler('gmm', {
      weights: tensor(weights, { dtype: 'float64' }),
      means: tensor(means, { dtype: 'float64' }),
      covariances: tensor(covs, { dtype: 'float64' }),
    });
    const ours = tidy(() => s.logDensity(tensor(z, { dtype: 'float64' })).toArray());
    const torch = runTorch<number[]>(
      `import json, sys, torch
from torch.distributions import Categorical, MixtureSameFamily, MultivariateNormal
p = json.load(sys.stdin)
t = lambda v: torch.tensor(v, dtype=torch.float64)
mix = MixtureSameFamily(Categorical(probs=t(p['w'])), MultivariateNormal(t(p['m']), covariance_matrix=t(p['c'])))
print(json.dumps(mix.log_prob(t(p['z'])).tolist()))`,
      { w: weights, m: means, c: covs, z },
    );
    assertClose(ours, torch, { atol: 1e-9, rtol: 1e-9, what: 'log p(z)' });
    // A [2, 2, D] batch gives [2, 2], in the codes' dtype.
    const batched = tidy(() => s.logDensity(tensor([z.slice(0, 2), z.slice(2)]).float()));
    assert.deepEqual([batched.shape, batched.dtype], [[2, 2], 'float32']);
    assertClose(batched.toArray(), torch, { atol: 1e-4, rtol: 1e-5, what: 'batched float32 log p(z)' });
    // Draws: mean sum_k w_k mu_k, covariance sum_k w_k (S_k + mu_k mu_k^T) - m m^T.
    manualSeed(0);
    const stats = tidy(() => {
      const d = s.sample(40000).double();
      const m = d.mean(0);
      const c = d.sub(m).t().matmul(d.sub(m)).div(40000);
      return { m: m.toArray(), c: c.toArray() };
    });
    const m = [0, 1, 2].map((i) => weights.reduce((a, w, k) => a + w * means[k]![i]!, 0));
    const c = [0, 1, 2].flatMap((i) =>
      [0, 1, 2].map(
        (j) =>
          weights.reduce((a, w, k) => a + w * (covs[k]![i]![j]! + means[k]![i]! * means[k]![j]!), 0) - m[i]! * m[j]!,
      ),
    );
    assertClose(stats.m, m, { atol: 0.05, rtol: 0, what: 'mean of the draws' });
    assertClose(stats.c, c, { atol: 0.1, rtol: 0.03, what: 'covariance of the draws' });
    assert.throws(() => s.logDensity(tensor([[1, 2]])), /codes must have 3 entries/);
    s.dispose();
  },
);

test('the Gaussian fit is the sample mean and the 1/N sample covariance (plus the ridge)', () => {
  manualSeed(5);
  const x = tidy(() =>
    randn([500, 3])
      .matmul(
        tensor([
          [1, 0, 0],
          [0.5, 2, 0],
          [-1, 0.3, 0.2],
        ]),
      )
      .add(tensor([[1, -2, 3]])),
  );
  const rows = x.toArray();
  const n = 500;
  const mean = [0, 1, 2].map((j) => rows.filter((_, i) => i % 3 === j).reduce((a, b) => a + b, 0) / n);
  const cov = [0, 1, 2].flatMap((i) =>
    [0, 1, 2].map((j) => {
      let s = 0;
      for (let r = 0; r < n; r++) s += (rows[3 * r + i]! - mean[i]!) * (rows[3 * r + j]! - mean[j]!);
      return s / n + (i === j ? 1e-6 : 0);
    }),
  );
  const p = fitGaussian(x);
  assertClose(p.weights.toArray(), [1], { atol: 1e-12, what: 'weight' });
  assertClose(p.means.toArray(), mean, { atol: 1e-9, rtol: 1e-9, what: 'mean' });
  assertClose(p.covariances.toArray(), cov, { atol: 1e-9, rtol: 1e-9, what: 'covariance' });
  disposeAll([x, p]);
  assert.throws(() => fitGaussian(tensor([[1, 2]])), /needs points \[N >= 2, D\]/);
});

test('BIC (Schwarz 1978) picks the true K on a clearly separated mixture', () => {
  assert.equal(gmmParameterCount(3, 2), 2 + 6 + 9);
  assert.equal(bic(-2, 17, 100), 400 + 17 * Math.log(100));
  assert.deepEqual(eligibleComponents([1, 5, 10, 20], 256, 20), [1, 5, 10], '(D + 1) K codes at least');
  manualSeed(11);
  const x = cat([
    draws(
      300,
      [-6, 0],
      [
        [1, 0],
        [0, 1],
      ],
    ),
    draws(
      300,
      [6, 0],
      [
        [0.7, 0],
        [0.3, 0.6],
      ],
    ),
    draws(
      300,
      [0, 8],
      [
        [1, 0],
        [0, 0.5],
      ],
    ),
  ]);
  const choice = chooseByBic(x, [1, 2, 3, 4, 6]);
  assert.equal(choice.k, 3, JSON.stringify(choice.scores));
  assert.deepEqual(
    choice.scores.map((s) => s.k),
    [1, 2, 3, 4, 6],
  );
  disposeAll([x, choice.fit.params]);
  assert.throws(() => fitGmm(tensor([[0, 0]]), 2), /cannot fit 2 components to 1 points/);
});

test('sample and quality with fitted samplers: fitted, saved, reused, refitted; the explorer serves them; errors name what is wrong', async () => {
  const env = { env: { LATENTLAB_CACHE: join(tmp, 'cache') }, cwd: tmp };
  const ae = join(tmp, 'ae');
  const gan = join(tmp, 'gan');
  // The quality command's small feature network, cached beforehand (untrained: its features
  // serve a distance all the same), so that it skips training and its test-set accuracy pass.
  process.env.LATENTLAB_CACHE = join(tmp, 'cache');
  manualSeed(0);
  const net = new FeatureClassifier([1, 28, 28], 10);
  saveSafetensors(classifierPath('mnist', { images: 300, epochs: 1 }), net.stateDict(), {
    format: 'pt',
    dataset: 'mnist',
    accuracy: '0.1',
    epochs: '1',
    image_shape: '[1,28,28]',
    classes: '10',
  });
  net.dispose();
  delete process.env.LATENTLAB_CACHE;
  // Trained in this process (the same trainer as `latentlab train`), to spare two CLI starts.
  await tinyRun(ae, { model: 'ae-mlp', hidden: 32, latent: 4 });
  await tinyRun(gan, { model: 'gan-mlp', hidden: 16, latent: 4 });
  const [sample, quality, noEncoder] = await Promise.all([
    cliAsync(['sample', '--run', ae, '--sampler', 'gmm', '--components', '3', '--n', '16', '--json'], env),
    cliAsync(
      [
        'quality',
        '--run',
        ae,
        '--sampler',
        'gaussian',
        '--n',
        '200',
        '--classifier-images',
        '300',
        '--classifier-epochs',
        '1',
        '--json',
      ],
      env,
    ),
    cliAsync(['sample', '--run', gan, '--sampler', 'gmm'], env),
  ]);
  assert.equal(sample.status, 0, sample.stderr);
  assert.deepEqual(JSON.parse(sample.stdout.trim().split('\n').pop()!), {
    files: [join(ae, 'samples.png')],
    sampler: 'gmm',
    components: 3,
  });
  assert.ok(existsSync(join(ae, 'samples.png')));
  const saved = loadSafetensors(join(ae, 'sampler-gmm.safetensors'));
  assert.deepEqual(
    [saved.tensors.means!.shape, saved.tensors.covariances!.shape, saved.metadata.components],
    [[3, 4], [3, 4, 4], '3'],
  );
  assertClose([saved.tensors.weights!.sum().item()], [1], { atol: 1e-9, what: 'weights sum' });
  assert.equal((JSON.parse(saved.metadata.fit!) as { codes: number }).codes, 256);
  disposeAll(saved.tensors);

  assert.equal(quality.status, 0, quality.stderr);
  const q = JSON.parse(quality.stdout.trim().split('\n').pop()!) as {
    sampler: string;
    sampler_components: number;
    fid: number;
    samples: number;
  };
  assert.deepEqual([q.sampler, q.sampler_components, q.samples], ['gaussian', 1, 200]);
  assert.ok(Number.isFinite(q.fid) && q.fid > 0);
  assert.ok(
    existsSync(join(ae, 'sample-quality-gaussian.json')) && existsSync(join(ae, 'sampler-gaussian.safetensors')),
  );

  assert.notEqual(noEncoder.status, 0);
  assert.match(noEncoder.stderr, /the gmm sampler .* needs an encoder; gan-mlp has none/);
  const sampleCommand = visualCommands()
    .find((c) => c.name() === 'sample')!
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  await assert.rejects(
    sampleCommand.parseAsync(['--run', ae, '--sampler', 'gmm', '--components', '0'], { from: 'user' }),
    /--components <K>' argument '0' is invalid\. expected a positive integer, got '0'/,
  );
  assert.throws(() => checkSamplerChoice('gaussian', 3), /--components .* goes with --sampler gmm/);
  assert.throws(() => checkSamplerChoice('flow'), /unknown sampler 'flow': choose one of prior, gaussian, gmm/);

  // Reused while newer than the weights; refitted once older, or for another K.
  const run = openRunSync(ae);
  try {
    let s = await samplerForRun(run, 'gmm');
    assert.match(s.note, /3 components, loaded from the run folder/);
    s.dispose();
    const earlier = new Date(statSync(join(ae, 'model.safetensors')).mtimeMs - 60_000);
    utimesSync(join(ae, 'sampler-gmm.safetensors'), earlier, earlier);
    s = await samplerForRun(run, 'gmm');
    assert.match(s.note, /fitted to 256 training codes, K chosen by BIC \(K=1: .*K=20: .*\); saved as/);
    s.dispose();
    s = await samplerForRun(run, 'gmm', { components: 2 });
    assert.match(s.note, /2 components, fitted to 256 training codes; saved as/);
    s.dispose();
    s = await samplerForRun(run, 'gmm');
    assert.equal(s.components, 2, 'the refitted one is reused');
    s.dispose();
  } finally {
    run.dispose();
  }

  // The explorer: the run lists its samplers; samples.png?sampler= draws from a saved one.
  const old = new Date(statSync(join(ae, 'model.safetensors')).mtimeMs - 60_000);
  utimesSync(join(ae, 'sampler-gaussian.safetensors'), old, old);
  const server = await createServer({ runsDir: tmp, mapLimit: 100 });
  try {
    const detail = (await server.app.inject({ method: 'GET', url: '/api/runs/ae' })).json<{ samplers: string[] }>();
    assert.deepEqual(detail.samplers, ['gmm'], 'the Gaussian, made older than the weights, is left out');
    // The explorer's model info carries the fresh mixture as numbers: L L^T gives back the saved covariances.
    const info = (await server.app.inject({ method: 'GET', url: '/api/runs/ae/model' })).json<ModelInfo>();
    assert.deepEqual(
      info.samplers.map((d) => [d.kind, d.weights.length]),
      [['gmm', 2]],
    );
    const gmm = loadSafetensors(join(ae, 'sampler-gmm.safetensors')).tensors;
    const l = tensor(info.samplers[0]!.cholesky, { dtype: 'float64' });
    assertClose(l.matmul(l.transpose(1, 2)).toArray(), gmm.covariances!.toArray(), {
      atol: 1e-9,
      rtol: 0,
      what: 'L L^T',
    });
    assertClose(info.samplers[0]!.means.flat(), gmm.means!.toArray(), { atol: 1e-12, rtol: 0, what: 'means' });
    assertClose(info.samplers[0]!.weights, gmm.weights!.toArray(), { atol: 1e-12, rtol: 0, what: 'weights' });
    disposeAll([l, ...Object.values(gmm)]);
    const png = await server.app.inject({ method: 'GET', url: '/api/runs/ae/samples.png?sampler=gmm&n=4' });
    assert.equal(png.statusCode, 200, png.body);
    assert.equal(png.headers['content-type'], 'image/png');
    const stale = await server.app.inject({ method: 'GET', url: '/api/runs/ae/samples.png?sampler=gaussian' });
    assert.equal(stale.statusCode, 400);
    assert.match(stale.body, /no usable gaussian sampler: .* is older than its weights/);
    const bad = await server.app.inject({ method: 'GET', url: '/api/runs/ae/samples.png?sampler=flow' });
    assert.match(bad.body, /sampler must be one of prior, gaussian, gmm/);
  } finally {
    await server.close();
  }
});

test("the explorer's draws in the browser (web/src/sampling.ts) have the fitted mixture's mean and covariance", () => {
  // Two components in 2-D: weights 0.3 / 0.7, means (-2, 0) / (1, 1), covariances L L^T.
  const density: FittedDensity = {
    kind: 'gmm',
    weights: [0.3, 0.7],
    means: [
      [-2, 0],
      [1, 1],
    ],
    cholesky: [
      [
        [1, 0],
        [0.5, 0.5],
      ],
      [
        [0.3, 0],
        [-0.2, 0.8],
      ],
    ],
  };
  const covs = density.cholesky.map((l) => {
    const [a, b, c] = [l[0]![0]!, l[1]![0]!, l[1]![1]!];
    return [
      [a * a, a * b],
      [a * b, b * b + c * c],
    ];
  });
  // Mixture moments: m = sum w_k mu_k; C = sum w_k (S_k + mu_k mu_k^T) - m m^T.
  const mean = [0, 1].map((i) => density.weights.reduce((s, w, k) => s + w * density.means[k]![i]!, 0));
  const cov = [0, 1].map((i) =>
    [0, 1].map(
      (j) =>
        density.weights.reduce(
          (s, w, k) => s + w * (covs[k]![i]![j]! + density.means[k]![i]! * density.means[k]![j]!),
          0,
        ) -
        mean[i]! * mean[j]!,
    ),
  );
  let seed = 12345; // mulberry32 from a fixed seed, so that the test is the same every time
  const random = (): number => {
    let t = (seed = (seed + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const n = 40_000;
  const zs = Array.from({ length: n }, () => drawCode(density, 2, random));
  const m = [0, 1].map((i) => zs.reduce((s, z) => s + z[i]!, 0) / n);
  const c = [0, 1].map((i) => [0, 1].map((j) => zs.reduce((s, z) => s + (z[i]! - m[i]!) * (z[j]! - m[j]!), 0) / n));
  assertClose(m, mean, { atol: 0.03, rtol: 0, what: 'sample mean' });
  assertClose(c.flat(), cov.flat(), { atol: 0.05, rtol: 0, what: 'sample covariance' });
  // The prior: N(0, I).
  const prior = Array.from({ length: n }, () => drawCode(null, 1, random)[0]!);
  const pm = prior.reduce((s, x) => s + x, 0) / n;
  assertClose([pm, prior.reduce((s, x) => s + (x - pm) ** 2, 0) / n], [0, 1], {
    atol: 0.03,
    rtol: 0,
    what: 'prior moments',
  });
});

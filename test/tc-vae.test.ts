/**
 * Total correlation: Chen et al.'s decomposition of the KL (MI, TC, dim-KL) with minibatch
 * weighted and stratified sampling against pythae's code in PyTorch; the dataset estimator of
 * eval on a Gaussian whose TC is known; beta-TCVAE's loss from its terms; FactorVAE's
 * permutation, TC from logits and discriminator loss against PyTorch, and its two parameter
 * groups; and both models through train, eval (which prints the TC), sample and ONNX export.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { codesTc } from '../src/eval/total-correlation.js';
import { BetaTcVae } from '../src/models/beta-tcvae/model.js';
import { gaussianKlPerImage } from '../src/models/common/losses.js';
import { decomposeKl, logNormalElementwise, mssLogWeights } from '../src/models/common/total-correlation.js';
import { discriminatorLoss, permuteDims, tcFromLogits } from '../src/models/factor-vae/discriminator.js';
import { FactorVae } from '../src/models/factor-vae/model.js';
import { noGrad } from '../src/tensor/autograd.js';
import { randn, tensor } from '../src/tensor/create.js';
import { withSeed } from '../src/tensor/runtime.js';
import { tidy } from '../src/tensor/scope.js';
import { getModel } from '../src/models/registry.js';
import { runSchema } from '../src/train/config.js';
import { withOpenRun } from '../src/train/open-run.js';
import { readMetrics } from '../src/train/run-dir.js';
import { assertClose, cliAsync, hasTorchPython, prng, runTorch, tempDir } from './helpers.js';
import { compareWithOnnx } from './onnx-compare.js';

const tmp = tempDir('tc-vae');
const noTorch = !hasTorchPython() && 'no Debian python3-torch';
const tiny = { latent: 3, hidden: 8, imageShape: [1, 4, 4] as [number, number, number] };
const r = prng(5);
const X = Array.from({ length: 5 * 16 }, () => (r() < 0.4 ? 1 : 0));
const x = () => tensor(X).reshape(5, 1, 4, 4);

/** pythae's BetaTCVAE.loss_function terms (MWS and MSS) and _log_importance_weight_matrix, verbatim in float64. */
const TORCH_DECOMPOSE = `
import json, sys, numpy as np, torch
d = json.load(sys.stdin)
torch.set_default_dtype(torch.float64)
def log_gauss(z, mu, log_var):
    return -0.5 * (torch.log(torch.tensor([2 * np.pi])) + log_var + (z - mu) ** 2 * torch.exp(-log_var))
def log_iw(batch_size, dataset_size):
    N = dataset_size; M = batch_size - 1
    strat_weight = (N - M) / (N * M)
    W = torch.Tensor(batch_size, batch_size).fill_(1 / M)
    W.view(-1)[:: M + 1] = 1 / N
    W.view(-1)[1 :: M + 1] = strat_weight
    W[M - 1, 0] = strat_weight
    return W.log()
z, mu, log_var, N = torch.tensor(d['z']), torch.tensor(d['mu']), torch.tensor(d['lv']), d['N']
B = z.shape[0]
lqzx = log_gauss(z, mu, log_var).sum(-1)
lpz = log_gauss(z, torch.zeros_like(z), torch.zeros_like(z)).sum(-1)
perm = log_gauss(z.reshape(B, 1, -1), mu.reshape(1, B, -1), log_var.reshape(1, B, -1))
out = {}
w = log_iw(B, N)
lqz = torch.logsumexp(w + perm.sum(-1), -1)
lpq = torch.logsumexp(w.reshape(B, B, -1) + perm, 1).sum(-1)
out['mss'] = [(lqzx - lqz).tolist(), (lqz - lpq).tolist(), (lpq - lpz).tolist()]
lqz = torch.logsumexp(perm.sum(-1), -1) - torch.log(torch.tensor([B * N]))
lpq = (torch.logsumexp(perm, 1) - torch.log(torch.tensor([B * N]))).sum(-1)
out['mws'] = [(lqzx - lqz).tolist(), (lqz - lpq).tolist(), (lpq - lpz).tolist()]
out['w5'] = log_iw(5, N).flatten().tolist()
out['w2'] = log_iw(2, N).flatten().tolist()
`;

/** The discriminator's TC estimate and loss with F.cross_entropy, as pythae's FactorVAE. */
const TORCH_FACTOR = `
import torch.nn.functional as F
a, b = torch.tensor(d['q']), torch.tensor(d['perm'])
out['tc'] = (a[:, 0] - a[:, 1]).tolist()
out['loss'] = (0.5 * (F.cross_entropy(a, torch.zeros(a.shape[0]).long()) + F.cross_entropy(b, torch.ones(b.shape[0]).long()))).item()
print(json.dumps(out))
`;

interface TorchOut {
  mss: number[][];
  mws: number[][];
  w5: number[];
  w2: number[];
  tc: number[];
  loss: number;
}

const r0 = prng(11);
const [B, D, N] = [6, 3, 50];
const rows = (n: number, d: number, f: () => number): number[][] =>
  Array.from({ length: n }, () => Array.from({ length: d }, f));
const mu = rows(B, D, () => 2 * r0() - 1);
const lv = rows(B, D, () => -1.5 + 1.5 * r0());
const z = mu.map((m, i) => m.map((v, j) => v + Math.exp(lv[i]![j]! / 2) * (2 * r0() - 1)));
const q = rows(4, 2, () => 4 * r0() - 2);
const perm = rows(3, 2, () => 4 * r0() - 2);
let torchOut: TorchOut | undefined;
/** Both references from one Python process (torch takes seconds to import). */
const torchRef = (): TorchOut =>
  (torchOut ??= runTorch<TorchOut>(TORCH_DECOMPOSE + TORCH_FACTOR, { z, mu, lv, N, q, perm }));

test(
  "MI, TC and dim-KL by minibatch weighted and stratified sampling equal pythae's (PyTorch)",
  { skip: noTorch },
  () => {
    const want = torchRef();
    tidy(() => {
      const t = (a: number[][]) => tensor(a);
      for (const est of ['mws', 'mss'] as const) {
        const got = decomposeKl(t(z), t(mu), t(lv), N, est);
        [got.mi, got.tc, got.dimKl].forEach((g, k) =>
          assertClose(g.toArray(), want[est][k]!, {
            atol: 2e-5,
            rtol: 1e-5,
            what: `${est} ${['MI', 'TC', 'dim-KL'][k]}`,
          }),
        );
        // The three add up to the one-sample KL estimate log q(z|x) - log p(z), whatever q(z) is.
        const kl = logNormalElementwise(t(z), t(mu), t(lv))
          .sum(1)
          .sub(logNormalElementwise(t(z), t(z).mul(0), t(z).mul(0)).sum(1));
        assertClose(got.mi.add(got.tc).add(got.dimKl).toArray(), kl.toArray(), { atol: 1e-5, what: `${est} sum` });
      }
      // The two estimators differ here (so each comparison above can tell them apart).
      assert.ok(Math.abs(want.mss[1]![0]! - want.mws[1]![0]!) > 0.5, 'MSS and MWS differ');
      assertClose(mssLogWeights(5, N).toArray(), want.w5, { atol: 1e-6, what: 'MSS weights, B = 5' });
      assertClose(mssLogWeights(2, N).toArray(), want.w2, { atol: 1e-6, what: 'MSS weights, B = 2' });
    });
    assert.throws(() => decomposeKl(tensor(z), tensor(mu).narrow(0, 0, 2), tensor(lv), N), /means must be \[6, 3\]/);
  },
);

test("eval's estimator: on codes of a 2-D Gaussian with correlation 0.8 MSS gives its TC, MWS adds (D-1) log N", () => {
  // mu_n ~ N(0, [[1, .8], [.8, 1]]), q(z|x_n) = N(mu_n, 0.05 I): q(z) ~ N(0, S + 0.05 I), whose TC
  // is 0.5 log(prod_d S'_dd / det S') = 0.5 log(1.05^2 / (1.05^2 - 0.64)) = 0.4344 nats.
  const [n, rho, s2] = [1000, 0.8, 0.05];
  const want = 0.5 * Math.log((1 + s2) ** 2 / ((1 + s2) ** 2 - rho ** 2));
  withSeed(3, () =>
    tidy(() => {
      const mu = randn([n, 2]).matmul(
        tensor([
          [1, rho],
          [0, Math.sqrt(1 - rho * rho)],
        ]),
      );
      const logvar = mu.mul(0).add(Math.log(s2));
      const codes = mu.add(randn([n, 2]).mul(Math.sqrt(s2)));
      const whole = codesTc(codes, mu, logvar, { batch: n });
      const chunked = codesTc(codes, mu, logvar, { batch: 250 });
      const mws = codesTc(codes, mu, logvar, { batch: n, estimator: 'mws' });
      assert.ok(Math.abs(whole.tc - want) < 0.04, `MSS over all ${n}: ${whole.tc} vs ${want}`);
      assert.ok(Math.abs(chunked.tc - want) < 0.06, `MSS in batches of 250: ${chunked.tc} vs ${want}`);
      // Batch = dataset: MWS weighs every posterior 1/N^2 instead of about 1/N.
      assert.ok(Math.abs(mws.tc - whole.tc - Math.log(n)) < 0.01, `MWS ${mws.tc} = MSS ${whole.tc} + log N`);
    }),
  );
});

test("beta-TCVAE's loss is recon + alpha MI + beta TC + gamma dim-KL; at 1, 1, 1 it is recon + log q(z|x) - log p(z)", () => {
  const weighted = new BetaTcVae({ ...tiny, alpha: 0.5, beta: 6, gamma: 2, datasetSize: 100 });
  const plain = new BetaTcVae({ ...tiny, alpha: 1, beta: 1, gamma: 1, datasetSize: 100 });
  try {
    plain.loadStateDict(weighted.stateDict());
    tidy(() => {
      const eps = withSeed(1, () => randn([5, tiny.latent]));
      const t = noGrad(() => weighted.tcTerms(x(), eps));
      const [loss, recon, mi, tc, dimKl] = [t.loss, t.recon, t.mi, t.tc, t.dimKl].map((v) => v.item());
      assertClose([loss!], [recon! + 0.5 * mi! + 6 * tc! + 2 * dimKl!], { atol: 1e-3, what: 'weighted loss' });
      const { mu, logvar } = noGrad(() => weighted.posterior(x()));
      assertClose([t.kl.item()], [gaussianKlPerImage(mu, logvar).sum().item()], { atol: 1e-4, what: 'closed-form KL' });
      const z = mu.add(logvar.mul(0.5).exp().mul(eps));
      const mc = logNormalElementwise(z, mu, logvar)
        .sub(logNormalElementwise(z, z.mul(0), z.mul(0)))
        .sum()
        .item();
      const p = noGrad(() => plain.tcTerms(x(), eps));
      assertClose([p.loss.item()], [p.recon.item() + mc], { atol: 1e-3, what: 'loss at weights 1' });
      assert.ok(Math.abs(tc!) > 1e-3 && Math.abs(loss! - p.loss.item()) > 1e-2, 'the weights change the loss');
    });
  } finally {
    weighted.dispose();
    plain.dispose();
  }
  assert.throws(() => new BetaTcVae({ ...tiny, alpha: -1, beta: 1, gamma: 1 }), /alpha must be a number >= 0/);
});

test(
  "FactorVAE: codes permuted per dimension; TC from the logits and the discriminator's loss equal PyTorch's",
  { skip: noTorch },
  () => {
    const want = torchRef();
    tidy(() => {
      assertClose(tcFromLogits(tensor(q)).toArray(), want.tc, { atol: 1e-6, what: 'log D/(1-D)' });
      assertClose([tcFromLogits(tensor([[2, -1]])).item()], [3], { what: 'by hand' });
      assertClose([discriminatorLoss(tensor(q), tensor(perm)).item()], [want.loss], { atol: 1e-6, what: 'D loss' });
      // Each column keeps its values in another order, and the columns are shuffled differently.
      const z = tensor(Array.from({ length: 12 }, (_, i) => Array.from({ length: 4 }, (_, j) => 100 * j + i)));
      const p = withSeed(7, () => permuteDims(z));
      const cols = (t: number[]) => Array.from({ length: 4 }, (_, j) => t.filter((_, k) => k % 4 === j));
      const [got, orig] = [cols(p.toArray()), cols(z.toArray())];
      got.forEach((c, j) =>
        assert.deepEqual(
          [...c].sort((a, b) => a - b),
          orig[j],
          `column ${j} is a permutation`,
        ),
      );
      const orders = new Set(got.map((c) => c.map((v) => v % 100).join()));
      assert.ok(orders.size >= 3, `the columns have their own permutations (${orders.size} distinct)`);
      assert.notDeepEqual(got[0], orig[0], 'shuffled');
    });
  },
);

test("FactorVAE's groups: the VAE's weights and the discriminator's, apart and complete", () => {
  const m = new FactorVae({ ...tiny, gamma: 3, discHidden: 5, discLayers: 2 });
  try {
    const g = m.parameterGroups();
    const names = new Map(m.namedParameters().map(([n, p]) => [p, n]));
    assert.deepEqual(
      g.discriminator!.map((p) => names.get(p)),
      ['disc.0.weight', 'disc.0.bias', 'disc.2.weight', 'disc.2.bias', 'disc.4.weight', 'disc.4.bias'],
    );
    assert.ok(g.model!.every((p) => !names.get(p)!.startsWith('disc.')));
    assert.equal(g.model!.length + g.discriminator!.length, names.size);
    tidy(() => {
      const eps = withSeed(1, () => randn([5, tiny.latent]));
      const t = noGrad(() => m.factorTerms(x(), eps));
      assertClose([t.loss.item()], [t.negElbo.item() + 3 * t.tc.item()], { atol: 1e-3, what: 'VAE loss' });
    });
  } finally {
    m.dispose();
  }
});

test('the options: beta and gamma share their schemas with vae-mlp and with each other; bad values are refused', () => {
  runSchema('beta-tcvae'); // throws on a name clash
  runSchema('factor-vae');
  const schema = (m: string, k: string) => JSON.stringify({ ...getModel(m).options[k], default: 0, description: '' });
  assert.equal(schema('beta-tcvae', 'beta'), schema('vae-mlp', 'beta'));
  assert.equal(schema('beta-tcvae', 'gamma'), schema('factor-vae', 'gamma'));
  assert.throws(
    () => new FactorVae({ ...tiny, gamma: -1, discHidden: 2, discLayers: 1 }),
    /gamma must be a number >= 0/,
  );
});

const TRAIN = ['--limit', '256', '--epochs', '2', '--latent', '4', '--hidden', '32', '--batch-size', '32'];
const COMMON = ['--threads', '1', '--no-pictures', '--json'];

test('train --model beta-tcvae and factor-vae: losses fall; eval prints the TC; sample and ONNX work', async () => {
  const [tcDir, fDir] = [join(tmp, 'tc'), join(tmp, 'factor')];
  const [bad, ...runs] = await Promise.all([
    cliAsync(['train', '--model', 'factor-vae', '--gamma', '-1', '--out', join(tmp, 'never')], { cwd: tmp }),
    cliAsync(['train', '--model', 'beta-tcvae', ...TRAIN, ...COMMON, '--out', tcDir], { cwd: tmp }),
    cliAsync(
      [
        'train',
        '--model',
        'factor-vae',
        ...TRAIN,
        '--disc-hidden',
        '32',
        '--disc-layers',
        '2',
        ...COMMON,
        '--out',
        fDir,
      ],
      { cwd: tmp },
    ),
  ]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /gamma/);
  for (const t of runs) assert.equal(t.status, 0, t.stderr);
  const a = readMetrics(tcDir);
  assert.ok(
    a[1]!.train_loss! < a[0]!.train_loss!,
    `beta-TCVAE's loss falls: ${a[0]!.train_loss} -> ${a[1]!.train_loss}`,
  );
  for (const k of ['train_mi', 'train_tc', 'train_dim_kl', 'test_tc', 'test_neg_elbo'])
    assert.ok(Number.isFinite(a[1]![k]), k);
  const f = readMetrics(fDir);
  assert.ok(
    f[1]!.train_loss! < f[0]!.train_loss!,
    `FactorVAE's loss falls: ${f[0]!.train_loss} -> ${f[1]!.train_loss}`,
  );
  for (const k of ['train_tc', 'train_d_loss', 'test_tc', 'test_d_loss']) assert.ok(Number.isFinite(f[1]![k]), k);
  assert.ok(Math.abs(f[1]!.train_d_loss! - Math.log(2)) < 0.2, `D loss near log 2 early on: ${f[1]!.train_d_loss}`);
  const png = join(tmp, 'samples.png');
  const [text, json, s] = await Promise.all([
    cliAsync(['eval', '--run', tcDir, '--k', '0', '--limit', '200'], { cwd: tmp }),
    cliAsync(['eval', '--run', fDir, '--k', '0', '--limit', '200', '--json'], { cwd: tmp }),
    cliAsync(['sample', '--run', fDir, '--n', '16', '--out', png], { cwd: tmp }),
  ]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /total corr\.\s+-?\d+\.\d\d nats per image/);
  assert.equal(json.status, 0, json.stderr);
  const ev = JSON.parse(json.stdout.trim().split('\n').pop()!) as Record<string, number>;
  assert.ok(Number.isFinite(ev.tc) && Math.abs(ev.tc!) < 50, `tc ${ev.tc}`);
  assert.equal(s.status, 0, s.stderr);
  assert.ok(existsSync(png) && statSync(png).size > 100, 'samples.png written');
  await withOpenRun(tcDir, async (run) => {
    assert.equal((run.model as BetaTcVae).datasetSize, 256, "the run's N is its training set's size");
    await compareWithOnnx(run.model);
  });
  await withOpenRun(fDir, async (run) => void (await compareWithOnnx(run.model)));
});

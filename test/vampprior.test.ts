/**
 * The VAE with a VampPrior (Tomczak and Welling 2018): the prior's log-density of given codes,
 * and the one-sample loss with its terms and every gradient, against PyTorch on a tiny model
 * (the same weights, pseudo-inputs and noise); eval's importance sampling using that density;
 * prior samples from the mixture; and training through the CLI with eval, sample and ONNX.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scoreDataset } from '../src/eval/anomaly.js';
import { importanceWeightedNll } from '../src/eval/likelihood.js';
import { ImageDataset } from '../src/data/dataset.js';
import { gaussianKlPerImage } from '../src/models/common/losses.js';
import { need, standardNormal } from '../src/models/capabilities.js';
import { getModel } from '../src/models/registry.js';
import { VampPriorVae } from '../src/models/vampprior/model.js';
import { mixtureLogDensity } from '../src/models/vampprior/prior.js';
import { noGrad } from '../src/tensor/autograd.js';
import { randn, tensor } from '../src/tensor/create.js';
import { manualSeed, withSeed } from '../src/tensor/runtime.js';
import { tidy } from '../src/tensor/scope.js';
import { runSchema } from '../src/train/config.js';
import { withOpenRun } from '../src/train/open-run.js';
import { readMetrics } from '../src/train/run-dir.js';
import { assertClose, cli, hasTorchPython, nested, prng, runTorch, tempDir } from './helpers.js';
import { compareWithOnnx } from './onnx-compare.js';

const tmp = tempDir('vampprior');
const SIDE = 4;
const B = 3;
const K = 5;
const BETA = 0.3;
const tiny = { latent: 2, hidden: 6, imageShape: [1, SIDE, SIDE] as [number, number, number] };

/**
 * Fills every weight from a seeded generator in [-0.5, 0.5); the pseudo-input layer's weight in
 * [-0.4, 1.4), so that Hardtanh(0, 1) clips some pixels at each end and passes the rest.
 */
function seeded(m: VampPriorVae, seed: number): VampPriorVae {
  const r = prng(seed);
  m.loadStateDict(
    Object.fromEntries(
      Object.entries(m.stateDict()).map(([k, t]) => [
        k,
        tensor(Array.from({ length: t.numel }, () => (k === 'pseudo.weight' ? r() * 1.8 - 0.4 : r() - 0.5))).reshape(
          ...t.shape,
        ),
      ]),
    ),
  );
  return m;
}

const r = prng(3);
const X = Array.from({ length: B }, () => Array.from({ length: SIDE * SIDE }, () => (r() < 0.4 ? 1 : 0)));
const x = () => tensor(X).reshape(B, 1, SIDE, SIDE);

/**
 * The reference: the weights copied into torch modules laid out as pythae's VAMP (the
 * pseudo-inputs a Linear(K, 16) on the identity, then Hardtanh(0, 1)), in float64; the
 * VampPrior's log-density of the given codes with torch.distributions, and the loss with the
 * given noise, its terms, and the gradient of the loss with respect to every weight.
 */
const TORCH = `
import json, sys, math, torch
from torch import nn
d = json.load(sys.stdin)
torch.set_default_dtype(torch.float64)
w = d['w']; K = d['K']; D = d['D']
enc, mu, lv = nn.Linear(16, d['H']), nn.Linear(d['H'], D), nn.Linear(d['H'], D)
dec = nn.Sequential(nn.Linear(D, d['H']), nn.ReLU(), nn.Linear(d['H'], 16))
pseudo = nn.Sequential(nn.Linear(K, 16), nn.Hardtanh(0.0, 1.0))
named = {f'{n}.{k}': v for n, mod in [('enc', enc), ('mu', mu), ('lv', lv), ('dec', dec), ('pseudo', pseudo[0])]
         for k, v in mod.named_parameters()}
assert sorted(named) == sorted(w), (sorted(named), sorted(w))
with torch.no_grad():
    for name, v in w.items():
        named[name].copy_(torch.tensor(v, dtype=torch.float64))
def posterior(x):
    h = torch.relu(enc(x.reshape(x.shape[0], -1)))
    return mu(h), lv(h)
def log_prior(z):
    m, v = posterior(pseudo(torch.eye(K)))
    comp = torch.distributions.Normal(m, torch.exp(0.5 * v))
    return torch.logsumexp(comp.log_prob(z.unsqueeze(-2)).sum(-1), -1) - math.log(K)
z = torch.tensor(d['z'])
out = {'log_prior': log_prior(z).flatten().tolist()}
x = torch.tensor(d['x'], dtype=torch.float64); eps = torch.tensor(d['eps'])
m, v = posterior(x)
zs = m + torch.exp(0.5 * v) * eps
recon = nn.functional.binary_cross_entropy_with_logits(dec(zs), x, reduction='sum')
kl = (torch.distributions.Normal(m, torch.exp(0.5 * v)).log_prob(zs).sum(-1) - log_prior(zs)).sum()
loss = recon + d['beta'] * kl
names = list(w)
grads = torch.autograd.grad(loss, [named[n] for n in names])
out.update(loss=loss.item(), recon=recon.item(), kl=kl.item(), grad={n: g.flatten().tolist() for n, g in zip(names, grads)})
print(json.dumps(out))
`;

interface TorchOut {
  log_prior: number[];
  loss: number;
  recon: number;
  kl: number;
  grad: Record<string, number[]>;
}

test(
  "the VampPrior's log-density of given codes, the loss with given noise and every gradient equal PyTorch's",
  { skip: !hasTorchPython() && 'no Debian python3-torch' },
  () => {
    const m = seeded(new VampPriorVae({ ...tiny, components: K }), 7);
    try {
      manualSeed(2);
      const z = randn([2, 4, tiny.latent]).mul(1.5); // leading dimensions [2, 4], as eval's [n, B]
      const eps = randn([B, tiny.latent]);
      const w = Object.fromEntries(m.namedParameters().map(([n, p]) => [n, nested(p.toArray(), p.shape)]));
      const want = runTorch<TorchOut>(TORCH, {
        w,
        K,
        D: tiny.latent,
        H: tiny.hidden,
        z: nested(z.toArray(), z.shape),
        x: X,
        eps: nested(eps.toArray(), eps.shape),
        beta: BETA,
      });
      // The pseudo-inputs are clipped at both ends, so Hardtanh's two flat parts are exercised.
      const u = noGrad(() => m.pseudoInputs().toArray());
      assert.ok(
        u.some((v) => v === 0) && u.some((v) => v === 1) && u.some((v) => v > 0 && v < 1),
        'clipped at 0 and 1',
      );
      const logp = noGrad(() => need(m, 'prior', 'the test').logDensity(z));
      assert.deepEqual(logp.shape, [2, 4]);
      assertClose(logp.toArray(), want.log_prior, { atol: 1e-5, rtol: 1e-5, what: 'log p(z)' });
      const t = m.lossTerms(x(), BETA, undefined, eps);
      assertClose(
        [t.loss.item(), t.recon.item(), t.kl.item(), t.negElbo.item()],
        [want.loss, want.recon, want.kl, want.recon + want.kl],
        { atol: 1e-4, rtol: 1e-5, what: 'loss, recon, kl, -ELBO' },
      );
      t.loss.backward();
      for (const [name, p] of m.namedParameters()) {
        const g = want.grad[name]!;
        const scale = Math.max(...g.map(Math.abs));
        assert.ok(scale > 1e-6, `${name}: a gradient that is not zero`);
        assertClose(p.grad!.toArray(), g, { atol: 1e-5 * scale, rtol: 1e-5, what: `grad ${name}` });
      }
    } finally {
      m.dispose();
    }
  },
);

test('the mixture log-density stays exact for narrow components and codes far from 0 (float64 inside)', () => {
  // Components with variances about 1e-4 at means up to 3: the expanded quadratic's terms reach
  // 1e5, which float32 would round by more than the answer's 1e-5.
  const r = prng(5);
  const [k, d, n] = [4, 3, 6];
  const mu = Array.from({ length: k * d }, () => 6 * r() - 3);
  const lv = Array.from({ length: k * d }, () => -9 - 2 * r());
  const z = Array.from({ length: n * d }, (_, i) => mu[i % (k * d)]! + 0.01 * (r() - 0.5));
  const want = Array.from({ length: n }, (_, i) => {
    const logs = Array.from({ length: k }, (_, c) => {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const v = Math.exp(lv[c * d + j]!);
        s += -0.5 * (Math.log(2 * Math.PI * v) + (z[i * d + j]! - mu[c * d + j]!) ** 2 / v);
      }
      return s;
    });
    const top = Math.max(...logs);
    return top + Math.log(logs.reduce((a, b) => a + Math.exp(b - top), 0)) - Math.log(k);
  });
  tidy(() => {
    const t = (a: number[], rows: number) => tensor(a).reshape(rows, d);
    const got = mixtureLogDensity(t(z, n), t(mu, k), t(lv, k));
    assertClose(got.toArray(), want, { atol: 1e-5, rtol: 1e-6, what: 'log p(z)' });
    assert.deepEqual(mixtureLogDensity(t(z, n).select(0, 0), t(mu, k), t(lv, k)).shape, [], 'one code [D]: a scalar');
  });
});

test("eval's importance sampling uses the VampPrior: at k = 1 its bound is the model's own -ELBO with the same noise", () => {
  const m = seeded(new VampPriorVae({ ...tiny, components: K }), 8);
  try {
    tidy(() => {
      const ours = noGrad(() => withSeed(4, () => m.lossTerms(x(), 1).negElbo.item()));
      const iw = withSeed(4, () => importanceWeightedNll(m, x(), 1));
      const theirs = iw.negElbo.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(theirs - ours) < 1e-4, `eval ${theirs} vs the model's -ELBO ${ours}`);
      assertClose(iw.iwNll, iw.negElbo, { atol: 1e-5, what: 'k = 1: the NLL bound is the ELBO' });
      // The two priors differ at these codes by far more than that, so eval did not use N(0, I).
      const gap = noGrad(() =>
        withSeed(4, () => {
          const { mu, logvar } = m.posterior(x());
          const z = mu.add(logvar.mul(0.5).exp().mul(randn(mu.shape)));
          return m.prior.logDensity(z).sub(standardNormal(tiny.latent).logDensity(z)).abs().sum().item();
        }),
      );
      assert.ok(gap > 0.1, `log p(z) of the VampPrior and of N(0, I) differ by ${gap}`);
    });
  } finally {
    m.dispose();
  }
});

/** Sample mean and variance of each column of [n, d] draws. */
function moments(s: number[], d: number): { mean: number[]; variance: number[] } {
  const n = s.length / d;
  const mean = Array.from({ length: d }, (_, j) => s.filter((_, i) => i % d === j).reduce((a, b) => a + b, 0) / n);
  const variance = Array.from(
    { length: d },
    (_, j) => s.filter((_, i) => i % d === j).reduce((a, b) => a + (b - mean[j]!) ** 2, 0) / (n - 1),
  );
  return { mean, variance };
}

test("prior samples: K = 1 gives the one component's Gaussian; K = 3 the mixture's mean and variance", () => {
  const N = 40000;
  for (const k of [1, 3]) {
    const m = seeded(new VampPriorVae({ ...tiny, components: k }), 20 + k);
    try {
      // Spread the components' means so that a wrong choice of component would show.
      noGrad(() => {
        m.mu.weight.mul_(6);
        m.lv.bias!.sub_(1);
      });
      tidy(() => {
        const { mu, logvar } = noGrad(() => m.priorComponents());
        const mus = mu.toArray();
        const vars = logvar.exp().toArray();
        const s = withSeed(9, () => m.prior.sample(N));
        assert.deepEqual(s.shape, [N, tiny.latent]);
        assert.equal(s.requiresGrad, false, 'samples carry no graph');
        const again = () => withSeed(9, () => m.prior.sample(5)).toArray();
        assert.deepEqual(again(), again(), 'the same seed gives the same draws');
        const got = moments(s.toArray(), tiny.latent);
        for (let j = 0; j < tiny.latent; j++) {
          // The mixture: mean (1/K) sum mu_k, variance (1/K) sum (var_k + mu_k^2) - mean^2.
          const col = (a: number[]) => a.filter((_, i) => i % tiny.latent === j);
          const mean = col(mus).reduce((a, b) => a + b, 0) / k;
          const variance = col(mus).reduce((a, b, i) => a + col(vars)[i]! + b * b, 0) / k - mean * mean;
          const se = Math.sqrt(variance / N);
          assert.ok(Math.abs(got.mean[j]! - mean) < 5 * se, `K=${k} dim ${j}: mean ${got.mean[j]} vs ${mean}`);
          assert.ok(
            Math.abs(got.variance[j]! / variance - 1) < 0.05,
            `K=${k} dim ${j}: variance ${got.variance[j]} vs ${variance}`,
          );
        }
        if (k === 3) {
          const spread = Math.max(...mus) - Math.min(...mus);
          assert.ok(spread > 1, `the components' means are apart (${spread}), so the test can fail`);
        }
      });
    } finally {
      m.dispose();
    }
  }
});

test('the options: --components is K (default 500, at least 1), a name no other model uses differently', () => {
  runSchema('vampprior'); // throws on a name clash
  assert.equal(getModel('vampprior').options.components!.default, 500);
  const bad = cli(['train', '--model', 'vampprior', '--components', '0', '--out', join(tmp, 'never')], { cwd: tmp });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /components/);
  assert.match(
    cli(['train', '--model', 'vae-mlp', '--components', '5', '--out', join(tmp, 'never')], { cwd: tmp }).stderr,
    /'components' does not apply to vae-mlp; it is an option of vampprior/,
  );
});

test('train --model vampprior: the loss falls over 2 epochs on 256 images; eval, sample and ONNX export work', async () => {
  const dir = join(tmp, 'run');
  const t = cli(
    [
      'train',
      '--model',
      'vampprior',
      '--components',
      '20',
      '--limit',
      '256',
      '--epochs',
      '2',
      '--latent',
      '4',
      '--hidden',
      '32',
      '--batch-size',
      '64',
      '--threads',
      '1',
      '--no-pictures',
      '--out',
      dir,
      '--json',
    ],
    { cwd: tmp },
  );
  assert.equal(t.status, 0, t.stderr);
  const m = readMetrics(dir);
  assert.ok(
    m[1]!.train_neg_elbo! < m[0]!.train_neg_elbo!,
    `-ELBO falls: ${m[0]!.train_neg_elbo} -> ${m[1]!.train_neg_elbo}`,
  );
  for (const k of ['test_neg_elbo', 'test_recon', 'test_kl', 'train_kl']) assert.ok(Number.isFinite(m[1]![k]), k);
  const e = cli(['eval', '--run', dir, '--k', '20', '--limit', '100', '--json'], { cwd: tmp });
  assert.equal(e.status, 0, e.stderr);
  const ev = JSON.parse(e.stdout.trim().split('\n').pop()!) as Record<string, number>;
  assert.ok(Number.isFinite(ev.iw_nll), `iw_nll ${ev.iw_nll}`);
  assert.ok(ev.iw_nll! < ev.test_neg_elbo!, `the 20-sample NLL ${ev.iw_nll} is below the -ELBO ${ev.test_neg_elbo}`);
  const png = join(tmp, 'samples.png');
  const s = cli(['sample', '--run', dir, '--n', '16', '--out', png], { cwd: tmp });
  assert.equal(s.status, 0, s.stderr);
  assert.ok(existsSync(png) && statSync(png).size > 100, 'samples.png written');
  await withOpenRun(dir, async (run) => void (await compareWithOnnx(run.model)));
});

test("anomaly's neg_elbo score estimates a VampPrior run's -ELBO with its own prior, not N(0, I)", () => {
  const m = seeded(new VampPriorVae({ ...tiny, components: K, likelihood: 'bernoulli', variance: 'logvar' }), 7);
  // Codes (and the pseudo-inputs' components) around 2, away from N(0, I)'s centre.
  noGrad(() => m.stateDict()['mu.bias']!.add_(2));
  const ds = new ImageDataset(
    'tiny',
    tensor(
      X.flat().map((v) => v * 255),
      { dtype: 'uint8' },
    ).reshape(B, 1, SIDE, SIDE),
    tensor([0, 0, 0], { dtype: 'int64' }),
    ['a'],
  );
  const n = 4000;
  const scores = scoreDataset(m, ds, { k: 0, elboSamples: n, binarize: 'none' });
  const closedKl = noGrad(() => {
    const { mu, logvar } = m.posterior(x());
    return gaussianKlPerImage(mu, logvar).toArray();
  });
  for (let i = 0; i < B; i++) {
    const xi = x()
      .slice(0, i, i + 1)
      .repeat(100, 1, 1, 1);
    const [negElbo, recon] = noGrad(() =>
      withSeed(11, () => {
        let [e, r] = [0, 0];
        for (let j = 0; j < n / 100; j++) {
          const t = m.lossTerms(xi, 1);
          [e, r] = [e + t.negElbo.item(), r + t.recon.item()];
        }
        return [e / n, r / n];
      }),
    );
    const got = scores.neg_elbo![i]!;
    const standard = recon + closedKl[i]!; // what the score was with the N(0, I) KL
    assert.ok(Math.abs(got - negElbo) < 0.05, `image ${i}: score ${got} vs the model's -ELBO ${negElbo}`);
    assert.ok(
      Math.abs(standard - negElbo) > 0.15,
      `image ${i}: N(0, I) would give ${standard}, too close to tell (${negElbo})`,
    );
  }
});

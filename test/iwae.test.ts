/**
 * IWAE (Burda, Grosse and Salakhutdinov 2016): its k-sample bound and the bound's gradient
 * against PyTorch on a tiny batch (the same weights and the same noise), the bound's order
 * (between the ELBO estimate and the likelihood: at k = 1 it is the ELBO), training through
 * the CLI, evaluation, sampling, ONNX export, and its option's name.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Iwae } from '../src/models/iwae/model.js';
import { randn, tensor } from '../src/tensor/create.js';
import { manualSeed } from '../src/tensor/runtime.js';
import { tidy } from '../src/tensor/scope.js';
import { withOpenRun } from '../src/train/open-run.js';
import { readMetrics } from '../src/train/run-dir.js';
import { assertClose, cli, hasTorchPython, prng, runTorch, tempDir } from './helpers.js';
import { compareWithOnnx } from './onnx-compare.js';

const tmp = tempDir('iwae');

/** A tiny IWAE: 2x2 images, 3 hidden units, 2 latent dimensions, with weights from a seeded generator. */
function tinyIwae(samples: number): Iwae {
  const m = new Iwae({ latent: 2, hidden: 3, imageShape: [1, 2, 2], samples });
  const r = prng(11);
  const sd = m.stateDict();
  m.loadStateDict(
    Object.fromEntries(
      Object.entries(sd).map(([k, t]) => [
        k,
        tensor(Array.from({ length: t.numel }, () => r() - 0.5)).reshape(...t.shape),
      ]),
    ),
  );
  return m;
}

const TORCH_BOUND = `
import json, sys, math, torch
d = json.load(sys.stdin)
t = lambda k: torch.tensor(d['w'][k], dtype=torch.float64, requires_grad=True)
w = {k: t(k) for k in d['w']}
x = torch.tensor(d['x'], dtype=torch.float64).reshape(len(d['x']), -1)
eps = torch.tensor(d['eps'], dtype=torch.float64)            # [k, B, D]
k, b, D = eps.shape
h = torch.relu(x @ w['enc.weight'].T + w['enc.bias'])
mu = h @ w['mu.weight'].T + w['mu.bias']
lv = h @ w['lv.weight'].T + w['lv.bias']
z = mu + torch.exp(0.5 * lv) * eps                           # [k, B, D]
logits = torch.relu(z @ w['dec.0.weight'].T + w['dec.0.bias']) @ w['dec.2.weight'].T + w['dec.2.bias']
logpx = -torch.nn.functional.binary_cross_entropy_with_logits(logits, x.expand(k, b, -1), reduction='none').sum(-1)
logpz = torch.distributions.Normal(0., 1.).log_prob(z).sum(-1)
logq = torch.distributions.Normal(mu, torch.exp(0.5 * lv)).log_prob(z).sum(-1)
logw = logpx + logpz - logq
neg_bound = -(torch.logsumexp(logw, 0) - math.log(k)).sum()
neg_elbo = -logw.mean(0).sum()
neg_bound.backward()
print(json.dumps({'neg_bound': neg_bound.item(), 'neg_elbo': neg_elbo.item(),
                  'grad': {n: p.grad.flatten().tolist() for n, p in w.items()}}))
`;

test(
  'the k-sample bound and its gradient equal PyTorch on a tiny batch (same weights, same noise)',
  { skip: !hasTorchPython() && 'no Debian python3-torch' },
  () => {
    const k = 4;
    const m = tinyIwae(k);
    try {
      const x = tensor([
        [1, 0, 1, 1],
        [0, 0, 1, 0],
        [1, 1, 0, 1],
      ]).reshape(3, 1, 2, 2);
      // logWeights draws its noise first: the same seed gives the same eps here.
      manualSeed(5);
      const eps = randn([k, 3, 2]).toArray();
      manualSeed(5);
      const ours = tidy(() => {
        const { negBound, negElbo } = m.bound(x, k);
        negBound.backward();
        return { negBound: negBound.item(), negElbo: negElbo.item() };
      });
      const weights = Object.fromEntries(m.namedParameters().map(([n, p]) => [n, nested(p.toArray(), p.shape)]));
      const want = runTorch<{ neg_bound: number; neg_elbo: number; grad: Record<string, number[]> }>(TORCH_BOUND, {
        w: weights,
        x: nested(x.reshape(3, 4).toArray(), [3, 4]),
        eps: nested(eps, [k, 3, 2]),
      });
      assertClose([ours.negBound, ours.negElbo], [want.neg_bound, want.neg_elbo], {
        atol: 1e-4,
        rtol: 1e-5,
        what: 'bound, elbo',
      });
      for (const [name, p] of m.namedParameters())
        assertClose(p.grad!.toArray(), want.grad[name]!, { atol: 1e-5, rtol: 1e-4, what: `grad ${name}` });
    } finally {
      m.dispose();
    }
  },
);

/** A flat array as nested lists of `shape`. */
function nested(flat: number[], shape: number[]): unknown {
  if (shape.length <= 1) return flat;
  const step = flat.length / shape[0]!;
  return Array.from({ length: shape[0]! }, (_, i) => nested(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
}

test('the bound lies above the ELBO estimate of the same samples (Jensen), and equals it at k = 1', () => {
  const x = tensor(Array.from({ length: 8 * 4 }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0))).reshape(8, 1, 2, 2);
  for (const k of [1, 3, 20]) {
    const m = tinyIwae(k);
    manualSeed(k);
    const { negBound, negElbo } = tidy(() => {
      const r = m.bound(x, k);
      return { negBound: r.negBound.item(), negElbo: r.negElbo.item() };
    });
    if (k === 1) assertClose([negBound], [negElbo], { atol: 1e-4, rtol: 0, what: 'k = 1' });
    else assert.ok(negBound < negElbo, `k = ${k}: -bound ${negBound} < -ELBO ${negElbo}`);
    m.dispose();
  }
});

/** The commands run in this file's folder. */
const inTmp = { cwd: tmp };

test('train --model iwae: the bound falls, eval and sample work, and the decoder and encoder export to ONNX', async () => {
  const dir = join(tmp, 'iwae');
  const r = cli(
    [
      'train',
      '--model',
      'iwae',
      '--samples',
      '3',
      '--latent',
      '4',
      '--hidden',
      '32',
      '--limit',
      '512',
      '--epochs',
      '2',
      '--batch-size',
      '64',
      '--threads',
      '1',
      '--no-pictures',
      '--out',
      dir,
      '--json',
    ],
    inTmp,
  );
  assert.equal(r.status, 0, r.stderr);
  const m = readMetrics(dir);
  assert.ok(m[1]!.train_iw_bound! < m[0]!.train_iw_bound!, 'the training bound falls');
  // The 3-sample bound is tighter than the one-sample ELBO on the same test images.
  assert.ok(m[1]!.test_iw_bound! < m[1]!.test_neg_elbo!, `${m[1]!.test_iw_bound} < ${m[1]!.test_neg_elbo}`);
  const saved = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(saved.samples, 3);
  assert.equal((saved.resolved as Record<string, unknown>).importance_samples, 3);
  const e = cli(['eval', '--run', dir, '--k', '20', '--limit', '100', '--json'], inTmp);
  assert.equal(e.status, 0, e.stderr);
  const ev = JSON.parse(e.stdout.trim().split('\n').pop()!) as Record<string, number>;
  assert.ok(ev.iw_nll! < ev.test_neg_elbo!, 'the 20-sample NLL is below the -ELBO');
  assert.ok(Number.isFinite(ev.test_iw_bound), "eval reports the model's own bound too");
  assert.equal(cli(['sample', '--run', dir, '--n', '4', '--out', join(tmp, 's.png')], inTmp).status, 0);
  await withOpenRun(dir, async (run) => void (await compareWithOnnx(run.model)));
});

test("iwae's training samples are --samples (eval's --k is another thing), and only iwae has them", () => {
  const k = cli(['train', '--model', 'iwae', '--k', '5', '--out', join(tmp, 'never')], inTmp);
  assert.notEqual(k.status, 0);
  assert.match(k.stderr, /unknown option '--k'/);
  const v = cli(['train', '--model', 'vae-mlp', '--samples', '5', '--out', join(tmp, 'never')], inTmp);
  assert.notEqual(v.status, 0);
  assert.match(v.stderr, /'samples' does not apply to vae-mlp; it is an option of iwae/);
  assert.match(
    cli(['train', '--model', 'iwae', '--samples', '0', '--out', join(tmp, 'never')], inTmp).stderr,
    /'samples' must be at least 1, got 0/,
  );
});

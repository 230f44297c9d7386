/**
 * WAE-MMD (Tolstikhin et al. 2018) and RAE (Ghosh et al. 2020): the unbiased MMD with both
 * kernels against a hand computation; each model's loss, its terms and every gradient against
 * PyTorch on a tiny model (pythae's WAE_MMD kernels; RAE-L2's decoder norm and RAE-GP's
 * double-backward gradient penalty, with the penalty's own gradient); and a short CLI training
 * of each whose loss falls, with sample, eval and ONNX export.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { evaluateRun } from '../src/eval/evaluate-run.js';
import { has } from '../src/models/capabilities.js';
import { IMQ_SCALES, mmdUnbiased, type MmdKernel } from '../src/models/common/mmd.js';
import { Rae, type RaeRegularizer } from '../src/models/rae/model.js';
import { getModel } from '../src/models/registry.js';
import { Wae } from '../src/models/wae/model.js';
import { tensor } from '../src/tensor/create.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { tidy } from '../src/tensor/scope.js';
import { runSchema } from '../src/train/config.js';
import { withOpenRun } from '../src/train/open-run.js';
import { readMetrics } from '../src/train/run-dir.js';
import { assertClose, cliAsync, hasTorchPython, nested, prng, runTorch, tempDir } from './helpers.js';
import { compareWithOnnx } from './onnx-compare.js';

const tmp = tempDir('wae-rae');
const SIDE = 4;
const B = 4;
const tiny = { latent: 2, hidden: 6, imageShape: [1, SIDE, SIDE] as [number, number, number] };

/** n x d numbers from a seeded generator, as rows. */
function rows(seed: number, n: number, d: number, f: (u: number) => number): number[][] {
  const r = prng(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => f(r())));
}

/** A rough N(0, 1) draw from two uniforms (Box-Muller). */
const gaussians = (seed: number, n: number, d: number): number[][] => {
  const r = prng(seed);
  return Array.from({ length: n }, () =>
    Array.from({ length: d }, () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())),
  );
};

/** The kernel by its definition, in doubles. */
function k(a: number[], b: number[], o: MmdKernel): number {
  const d2 = a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);
  const c = 2 * a.length * o.bandwidth ** 2;
  if (o.kernel === 'rbf') return Math.exp(-d2 / c);
  return (o.scales ?? [1]).reduce((s, sc) => s + (sc * c) / (sc * c + d2), 0);
}

/** The U-statistic written out pair by pair. */
function handMmd(z: number[][], p: number[][], o: MmdKernel): number {
  const n = z.length;
  let within = 0;
  let cross = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (i !== j) within += k(z[i]!, z[j]!, o) + k(p[i]!, p[j]!, o);
      cross += k(z[i]!, p[j]!, o);
    }
  return within / (n * (n - 1)) - (2 * cross) / (n * n);
}

const KERNELS: MmdKernel[] = [
  { kernel: 'imq', bandwidth: 1, scales: IMQ_SCALES },
  { kernel: 'imq', bandwidth: 1.3, scales: [1] },
  { kernel: 'rbf', bandwidth: 0.7 },
];

test('the unbiased MMD with the IMQ (seven scales and one) and RBF kernels equals the pair-by-pair sum', () => {
  const z = rows(1, 5, 3, (u) => 2 * u - 0.6); // codes off centre, so the MMD is well above 0
  const p = gaussians(2, 5, 3);
  tidy(() => {
    for (const o of KERNELS) {
      const want = handMmd(z, p, o);
      const got = mmdUnbiased(tensor(z), tensor(p), o).item();
      assertClose([got], [want], { atol: 1e-6, rtol: 1e-5, what: `${o.kernel} bandwidth ${o.bandwidth}` });
    }
    assert.throws(() => mmdUnbiased(tensor([[1, 2]]), tensor([[0, 0]]), KERNELS[0]!), /at least 2 codes/);
    assert.throws(() => mmdUnbiased(tensor(z), tensor(p).narrow(1, 0, 2), KERNELS[0]!), /both be \[n, D\]/);
  });
});

/** Every weight from a seeded generator in [-0.5, 0.5). */
function seeded<M extends Wae | Rae>(m: M, seed: number): M {
  const r = prng(seed);
  m.loadStateDict(
    Object.fromEntries(
      Object.entries(m.stateDict()).map(([name, t]) => [
        name,
        tensor(Array.from({ length: t.numel }, () => r() - 0.5)).reshape(...t.shape),
      ]),
    ),
  );
  return m;
}

const X = rows(3, B, SIDE * SIDE, (u) => (u < 0.4 ? 1 : 0));
const x = (): Tensor => tensor(X).reshape(B, 1, SIDE, SIDE);
const PRIOR = gaussians(4, B, tiny.latent);
const LAMBDA = 3;
const BETA = 0.2;
const GP_WEIGHT = 0.3;

/**
 * The reference in float64: pythae's WAE_MMD kernels and U-statistic (its loss_function, with
 * squared distances summed rather than torch.norm squared), and the RAE loss with RAE-L2's
 * decoder norm or RAE-GP's penalty through torch.autograd.grad with create_graph, as pythae's
 * _compute_gp but with respect to z. Losses are summed over the batch, as latentlab's terms.
 */
const TORCH = `
import json, sys, torch
from torch import nn
import torch.nn.functional as F
d = json.load(sys.stdin)
torch.set_default_dtype(torch.float64)
H, D = d['H'], d['D']
x = torch.tensor(d['x'], dtype=torch.float64); N = x.shape[0]
def build():
    enc = nn.Sequential(nn.Linear(16, H), nn.ReLU(), nn.Linear(H, D))
    dec = nn.Sequential(nn.Linear(D, H), nn.ReLU(), nn.Linear(H, 16))
    named = {f'{n}.{k}': v for n, m in [('enc', enc), ('dec', dec)] for k, v in m.named_parameters()}
    assert sorted(named) == sorted(d['w']), (sorted(named), sorted(d['w']))
    with torch.no_grad():
        for k, v in d['w'].items(): named[k].copy_(torch.tensor(v))
    return enc, dec, named
def grads(y, named):
    gs = torch.autograd.grad(y, list(named.values()), retain_graph=True, allow_unused=True)
    return {k: (g if g is not None else torch.zeros_like(v)).flatten().tolist() for (k, v), g in zip(named.items(), gs)}
def d2(a, b): return ((a.unsqueeze(1) - b.unsqueeze(0)) ** 2).sum(-1)
def kernel(a, b, o):
    C = 2.0 * a.shape[1] * o['bandwidth'] ** 2
    if o['kernel'] == 'rbf': return torch.exp(-d2(a, b) / C)
    return sum(s * C / (s * C + d2(a, b)) for s in o['scales'])
def mmd(z, p, o):
    kz, kp, kc = kernel(z, z, o), kernel(p, p, o), kernel(z, p, o)
    return ((kz - kz.diag().diag()).sum() + (kp - kp.diag().diag()).sum()) / ((N - 1) * N) - 2 * kc.sum() / N ** 2
out = {'wae': [], 'rae': {}}
for o in d['kernels']:
    enc, dec, named = build()
    z = enc(x.reshape(N, -1))
    recon = F.binary_cross_entropy_with_logits(dec(z), x.reshape(N, -1), reduction='sum')
    m = mmd(z, torch.tensor(d['prior']), o)
    loss = recon + d['lam'] * N * m
    out['wae'].append(dict(loss=loss.item(), recon=recon.item(), mmd=m.item(), grad=grads(loss, named)))
for reg in ['l2', 'gp']:
    enc, dec, named = build()
    z = enc(x.reshape(N, -1)); raw = dec(z)
    recon = F.binary_cross_entropy_with_logits(raw, x.reshape(N, -1), reduction='sum')
    emb = 0.5 * (z ** 2).sum()
    if reg == 'l2':
        pen = N * sum((p ** 2).sum() for p in dec.parameters())
    else:
        mean = torch.sigmoid(raw)
        g = torch.autograd.grad(mean, z, grad_outputs=torch.ones_like(mean), create_graph=True)[0]
        pen = (g ** 2).sum()
    loss = recon + d['beta'] * emb + d['lam_rae'] * pen
    out['rae'][reg] = dict(loss=loss.item(), recon=recon.item(), embedding=emb.item(), penalty=pen.item(),
                           grad=grads(loss, named), pgrad=grads(pen, named))
print(json.dumps(out))
`;

interface Reference {
  wae: { loss: number; recon: number; mmd: number; grad: Record<string, number[]> }[];
  rae: Record<
    'l2' | 'gp',
    {
      loss: number;
      recon: number;
      embedding: number;
      penalty: number;
      grad: Record<string, number[]>;
      pgrad: Record<string, number[]>;
    }
  >;
}

/** Each parameter's gradient against the reference's, scaled to the largest entry; none may be all zero. */
function assertGrads(params: [string, Tensor][], want: Record<string, number[]>, what: string, only?: RegExp): void {
  for (const [name, p] of params) {
    if (only && !only.test(name)) continue;
    const g = want[name]!;
    const scale = Math.max(...g.map(Math.abs));
    assert.ok(scale > 1e-6, `${what} ${name}: a gradient that is not zero`);
    assertClose(p.grad!.toArray(), g, { atol: 1e-4 * scale, rtol: 1e-4, what: `${what} grad ${name}` });
  }
}

test(
  "WAE's loss, recon, MMD and every gradient, and RAE-L2's and RAE-GP's penalties with their gradients, equal PyTorch's",
  { skip: !hasTorchPython() && 'no Debian python3-torch' },
  () => {
    const opts = { ...tiny, likelihood: 'bernoulli' as const };
    const base = seeded(new Wae({ ...opts, kernel: 'imq', mmdWeight: LAMBDA, bandwidth: 1 }), 11);
    const w = Object.fromEntries(base.namedParameters().map(([n, p]) => [n, nested(p.toArray(), p.shape)]));
    const state = base.stateDict();
    const want = runTorch<Reference>(TORCH, {
      w,
      H: tiny.hidden,
      D: tiny.latent,
      x: X,
      prior: PRIOR,
      kernels: KERNELS.map((o) => ({ ...o, scales: o.scales ?? [1] })),
      lam: LAMBDA,
      beta: BETA,
      lam_rae: GP_WEIGHT,
    });
    KERNELS.forEach((o, i) => {
      const scales = o.scales === IMQ_SCALES ? 'multi' : 'one';
      const m = new Wae({ ...opts, kernel: o.kernel, mmdWeight: LAMBDA, bandwidth: o.bandwidth, imqScales: scales });
      m.loadStateDict(state);
      const t = m.waeTerms(x(), tensor(PRIOR));
      const r = want.wae[i]!;
      const what = `wae ${o.kernel} ${scales}`;
      assert.ok(r.mmd > 1e-3, `${what}: the MMD ${r.mmd} is not negligible`);
      assertClose([t.loss.item(), t.recon.item(), t.mmd.item()], [r.loss, r.recon, r.mmd], {
        atol: 1e-4,
        rtol: 1e-5,
        what: `${what} loss, recon, mmd`,
      });
      t.loss.backward();
      assertGrads(m.namedParameters(), r.grad, what);
      m.dispose();
    });
    for (const reg of ['l2', 'gp'] as RaeRegularizer[]) {
      const r = want.rae[reg as 'l2' | 'gp'];
      const make = (): Rae => {
        const m = new Rae({ ...opts, regularizer: reg, embeddingWeight: BETA, regWeight: GP_WEIGHT });
        m.loadStateDict(state);
        return m;
      };
      const m = make();
      const t = m.raeTerms(x());
      assertClose(
        [t.loss.item(), t.recon.item(), t.embedding.item(), t.penalty.item()],
        [r.loss, r.recon, r.embedding, r.penalty],
        { atol: 1e-4, rtol: 1e-5, what: `rae ${reg} loss, recon, embedding, penalty` },
      );
      t.loss.backward();
      assertGrads(m.namedParameters(), r.grad, `rae ${reg}`);
      // The penalty alone: the decoder's gradient (for gp a second-order one through the sigmoid).
      const alone = make();
      alone.raeTerms(x()).penalty.backward();
      assertGrads(alone.namedParameters(), r.pgrad, `rae ${reg} penalty`, /^dec\./);
      if (reg === 'gp') assertGrads(alone.namedParameters(), r.pgrad, 'rae gp penalty', /^enc\./);
      else for (const p of alone.enc.parameters()) assert.equal(p.grad, null, 'l2: no encoder gradient');
      m.dispose();
      alone.dispose();
    }
    base.dispose();
  },
);

test('the options: names no other model uses differently; bad values are refused; neither claims a posterior', () => {
  runSchema('wae');
  runSchema('rae');
  assert.equal(getModel('wae').options.kernel!.default, 'imq');
  assert.equal(getModel('rae').options.regularizer!.default, 'l2');
  const wae = new Wae({ ...tiny, kernel: 'rbf', mmdWeight: 1, bandwidth: 1 });
  const rae = new Rae({ ...tiny, regularizer: 'gp', embeddingWeight: 1e-4, regWeight: 1e-7 });
  for (const m of [wae, rae]) {
    assert.ok(!has(m, 'posterior') && has(m, 'encoder') && has(m, 'decoder') && has(m, 'prior'), m.modelName);
    m.dispose();
  }
  assert.throws(() => new Wae({ ...tiny, kernel: 'imq', mmdWeight: 1, bandwidth: 0 }), /bandwidth must be positive/);
  assert.throws(
    () => new Rae({ ...tiny, regularizer: 'l1' as RaeRegularizer, embeddingWeight: 0, regWeight: 0 }),
    /regularizer must be l2, gp or none/,
  );
  // A batch of one image has no U-statistic: its MMD term is 0, the loss its reconstruction.
  const one = new Wae({ ...tiny, kernel: 'imq', mmdWeight: 5, bandwidth: 1 });
  tidy(() => {
    const t = one.waeTerms(x().narrow(0, 0, 1));
    assert.equal(t.mmd.item(), 0);
    assert.equal(t.loss.item(), t.recon.item());
  });
  one.dispose();
});

test('train --model wae and rae (gp): the loss falls over 2 epochs on 256 images; sample, eval and ONNX work', async () => {
  const common = ['--limit', '256', '--epochs', '2', '--hidden', '32', '--batch-size', '32', '--threads', '1'];
  const runs = { wae: ['--kernel', 'rbf', '--mmd-weight', '20'], rae: ['--regularizer', 'gp', '--reg-weight', '0.01'] };
  const dirs = Object.fromEntries(Object.keys(runs).map((m) => [m, join(tmp, m)]));
  const trained = await Promise.all(
    Object.entries(runs).map(([m, extra]) =>
      cliAsync(['train', '--model', m, ...common, ...extra, '--no-pictures', '--out', dirs[m]!, '--json'], {
        cwd: tmp,
      }),
    ),
  );
  for (const t of trained) assert.equal(t.status, 0, t.stderr);
  const pngs = Object.keys(runs).map((m) => join(tmp, `${m}.png`));
  const sampled = Promise.all(
    Object.keys(runs).map((m, i) =>
      cliAsync(['sample', '--run', dirs[m]!, '--n', '16', '--out', pngs[i]!], { cwd: tmp }),
    ),
  );
  for (const [m, extra] of Object.entries({ wae: 'mmd', rae: 'decoder_penalty' })) {
    const e = readMetrics(dirs[m]!);
    assert.ok(
      e[1]!.train_loss! < e[0]!.train_loss!,
      `${m}: the loss falls: ${e[0]!.train_loss} -> ${e[1]!.train_loss}`,
    );
    for (const key of [`train_${extra}`, `test_${extra}`, 'test_recon'])
      assert.ok(Number.isFinite(e[1]![key]), `${m} ${key}`);
    assert.ok(e[1]![`train_${extra}`]! !== 0, `${m}: the regulariser is at work`);
    await withOpenRun(dirs[m]!, async (run) => {
      const ev = await evaluateRun(run, { k: 20, limit: 100 });
      // Not likelihood models: no importance-weighted NLL, no active units; recon and the regulariser.
      assert.equal(ev.iw_nll, null);
      assert.equal(ev.active_units, null);
      assert.equal(ev.test_kl, 0);
      assert.ok(Number.isFinite(ev[`test_${extra}`]) && ev.test_recon > 0, JSON.stringify(ev));
      await compareWithOnnx(run.model);
    });
  }
  for (const [i, s] of (await sampled).entries()) {
    assert.equal(s.status, 0, s.stderr);
    assert.ok(existsSync(pngs[i]!) && statSync(pngs[i]!).size > 100, `${pngs[i]} written`);
  }
});

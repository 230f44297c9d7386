/**
 * MIWAE, PIWAE and CIWAE (Rainforth et al. 2018): each bound, and the gradient each parameter
 * group trains on, against PyTorch on a tiny batch (the same weights and the same noise); the
 * bounds' order; PIWAE's two groups stepped at once through ctx.stepEach; training through the
 * CLI with a falling loss, eval and ONNX export of each; PIWAE's two-group checkpoint and an
 * exact resume; and the options' names.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ciwae } from '../src/models/ciwae/model.js';
import { ciwaeBound, elboEstimate, iwBound, miwaeBound } from '../src/models/iw-family/bounds.js';
import type { IwFamily } from '../src/models/iw-family/model.js';
import { Miwae } from '../src/models/miwae/model.js';
import { Piwae } from '../src/models/piwae/model.js';
import { getModel } from '../src/models/registry.js';
import { randn, tensor } from '../src/tensor/create.js';
import { SGD } from '../src/tensor/optim/sgd.js';
import { manualSeed } from '../src/tensor/runtime.js';
import { tidy } from '../src/tensor/scope.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { runSchema } from '../src/train/config.js';
import { OptimizerGroup, stepContext } from '../src/train/optimizers.js';
import { withOpenRun } from '../src/train/open-run.js';
import { readMetrics } from '../src/train/run-dir.js';
import { sameOption } from '../src/util/options.js';
import { assertClose, cli, hasTorchPython, prng, runTorch, tempDir } from './helpers.js';
import { compareWithOnnx } from './onnx-compare.js';

const tmp = tempDir('iw-family');
const B = 3;
const M = 2;
const K = 3;
const BETA = 0.3;

/** Fills every weight of `m` from a seeded generator, in [-0.5, 0.5). */
function seeded<T extends IwFamily>(m: T, seed: number): T {
  const r = prng(seed);
  m.loadStateDict(
    Object.fromEntries(
      Object.entries(m.stateDict()).map(([k, t]) => [
        k,
        tensor(Array.from({ length: t.numel }, () => r() - 0.5)).reshape(...t.shape),
      ]),
    ),
  );
  return m;
}

/**
 * 4x4 images: with 784 pixels the log weights are about -550, and float32's rounding of them
 * (about 5e-5) moves the normalised importance weights, and so the gradients, by more than
 * the 1e-5 asked of them; the bounds alone match at 784 pixels too.
 */
const SIDE = 4;
const tiny = { latent: 2, hidden: 4, imageShape: [1, SIDE, SIDE] as [number, number, number] };
const r = prng(3);
const X = Array.from({ length: B }, () => Array.from({ length: SIDE * SIDE }, () => (r() < 0.4 ? 1 : 0)));
const x = () => tensor(X).reshape(B, 1, SIDE, SIDE);

/** The PyTorch reference: the log weights of the given noise, each bound, and the gradients each objective gives. */
const TORCH = `
import json, sys, math, torch
d = json.load(sys.stdin)
x = torch.tensor(d['x'], dtype=torch.float64)
out = {}
for name, c in d['cases'].items():
    w = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in c['w'].items()}
    eps = torch.tensor(c['eps'], dtype=torch.float64)          # [n, B, D]
    n, b, D = eps.shape
    h = torch.relu(x @ w['enc.weight'].T + w['enc.bias'])
    mu = h @ w['mu.weight'].T + w['mu.bias']
    lv = h @ w['lv.weight'].T + w['lv.bias']
    z = mu + torch.exp(0.5 * lv) * eps
    logits = torch.relu(z @ w['dec.0.weight'].T + w['dec.0.bias']) @ w['dec.2.weight'].T + w['dec.2.bias']
    logpx = -torch.nn.functional.binary_cross_entropy_with_logits(logits, x.expand(n, b, -1), reduction='none').sum(-1)
    logpz = torch.distributions.Normal(0., 1.).log_prob(z).sum(-1)
    logq = torch.distributions.Normal(mu, torch.exp(0.5 * lv)).log_prob(z).sum(-1)
    logw = logpx + logpz - logq                                    # [n, B]
    m = c['m']; k = n // m
    miwae = (torch.logsumexp(logw.reshape(m, k, b), 1) - math.log(k)).mean(0)
    iw = torch.logsumexp(logw, 0) - math.log(n)
    elbo = logw.mean(0)
    ciwae = c['beta'] * elbo + (1 - c['beta']) * iw
    names = list(w)
    enc = [p for p in names if not p.startswith('dec.')]
    dec = [p for p in names if p.startswith('dec.')]
    def grads(loss, ps):
        return {p: g.flatten().tolist() for p, g in zip(ps, torch.autograd.grad(loss, [w[p] for p in ps], retain_graph=True))}
    g = {'miwae': lambda: grads(-miwae.mean(), names), 'ciwae': lambda: grads(-ciwae.mean(), names),
         'piwae': lambda: {**grads(-miwae.mean(), enc), **grads(-iw.mean(), dec)}}[name]()
    out[name] = {'neg_miwae': -miwae.sum().item(), 'neg_iw': -iw.sum().item(), 'neg_elbo': -elbo.sum().item(),
                 'neg_ciwae': -ciwae.sum().item(), 'grad': g}
print(json.dumps(out))
`;

interface TorchCase {
  neg_miwae: number;
  neg_iw: number;
  neg_elbo: number;
  neg_ciwae: number;
  grad: Record<string, number[]>;
}

/** A flat array as nested lists of `shape`. */
function nested(flat: number[], shape: readonly number[]): unknown {
  if (shape.length <= 1) return flat;
  const step = flat.length / shape[0]!;
  return Array.from({ length: shape[0]! }, (_, i) => nested(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
}

const weightsOf = (m: IwFamily) =>
  Object.fromEntries(m.namedParameters().map(([n, p]) => [n, nested(p.toArray(), p.shape)]));

/** Gradients to 1e-5 relative to each tensor's largest entry (float32 against float64). */
function assertGrads(ours: Record<string, number[]>, want: Record<string, number[]>, what: string): void {
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(want).sort(), `${what}: parameters`);
  for (const [name, g] of Object.entries(want)) {
    const scale = Math.max(...g.map(Math.abs));
    assert.ok(scale > 1e-6, `${what} ${name}: a gradient that is not zero`);
    assertClose(ours[name]!, g, { atol: 1e-5 * scale, rtol: 1e-5, what: `${what} grad ${name}` });
  }
}

/**
 * Runs the model's training step through the trainer's stepContext with SGD at lr 0 per
 * group (flat buffers, as in training): the weights stay, and each parameter's .grad is what
 * its group's optimizer stepped on. The step draws its noise first, so seeding gives `eps`.
 */
function stepGrads(m: IwFamily, seed: number): Record<string, number[]> {
  const groups = new OptimizerGroup(
    Object.fromEntries(Object.entries(m.parameterGroups()).map(([g, p]) => [g, new SGD(p, { lr: 0 })])),
  );
  try {
    manualSeed(seed);
    tidy(() => void m.trainingStep({ x: x(), y: tensor([0, 0, 0]), t: 0, iteration: 0 }, stepContext(groups)));
    return Object.fromEntries(m.namedParameters().map(([n, p]) => [n, p.grad!.toArray()]));
  } finally {
    groups.dispose();
  }
}

test(
  'each bound and the gradient of each parameter group equal PyTorch on a tiny batch (same weights, same noise)',
  { skip: !hasTorchPython() && 'no Debian python3-torch' },
  () => {
    const models = {
      miwae: seeded(new Miwae({ ...tiny, samples: K, estimates: M }), 11),
      ciwae: seeded(new Ciwae({ ...tiny, samples: K, ciwaeBeta: BETA }), 12),
      piwae: seeded(new Piwae({ ...tiny, samples: K, estimates: M }), 13),
    };
    const n = { miwae: M * K, ciwae: K, piwae: M * K };
    const seeds = { miwae: 5, ciwae: 6, piwae: 7 };
    try {
      const eps = Object.fromEntries(
        Object.entries(seeds).map(([k, s]) => {
          manualSeed(s);
          return [k, randn([n[k as keyof typeof n], B, 2])];
        }),
      ) as Record<keyof typeof models, Tensor>;
      const want = runTorch<Record<keyof typeof models, TorchCase>>(TORCH, {
        x: X,
        cases: Object.fromEntries(
          Object.entries(models).map(([k, m]) => [
            k,
            {
              w: weightsOf(m),
              eps: nested(eps[k as keyof typeof models].toArray(), eps[k as keyof typeof models].shape),
              m: k === 'ciwae' ? 1 : M,
              beta: BETA,
            },
          ]),
        ),
      });
      const close = (a: number[], b: number[], what: string) => assertClose(a, b, { atol: 1e-4, rtol: 1e-5, what });
      const mi = tidy(() => {
        const o = models.miwae.bound(x(), undefined, eps.miwae);
        return [o.negMiwae.item(), o.negElbo.item()];
      });
      close(mi, [want.miwae.neg_miwae, want.miwae.neg_elbo], 'miwae: -MIWAE(2, 3), -ELBO');
      const ci = tidy(() => {
        const o = models.ciwae.bound(x(), undefined, eps.ciwae);
        return [o.negCiwae.item(), o.negIw.item(), o.negElbo.item()];
      });
      close(ci, [want.ciwae.neg_ciwae, want.ciwae.neg_iw, want.ciwae.neg_elbo], 'ciwae: -CIWAE(0.3), -IWAE(3), -ELBO');
      const pi = tidy(() => {
        const o = models.piwae.bound(x(), undefined, eps.piwae);
        return [o.negMiwae.item(), o.negIw.item(), o.negElbo.item()];
      });
      close(pi, [want.piwae.neg_miwae, want.piwae.neg_iw, want.piwae.neg_elbo], 'piwae: -MIWAE(2, 3), -IWAE(6), -ELBO');
      // The training steps, through the trainer's step context: MIWAE and CIWAE step one group
      // on their bound; PIWAE steps the encoder on MIWAE(2, 3) and the decoder on IWAE(6) at once.
      for (const k of ['miwae', 'ciwae', 'piwae'] as const)
        assertGrads(stepGrads(models[k], seeds[k]), want[k].grad, k);
      assert.deepEqual(Object.keys(models.piwae.parameterGroups()), ['encoder', 'decoder']);
    } finally {
      for (const m of Object.values(models)) m.dispose();
    }
  },
);

test('the bounds from given log weights: MIWAE(1, K) = IWAE(K), CIWAE(1) = ELBO, CIWAE(0) = IWAE, and ELBO <= MIWAE <= IWAE(M*K)', () => {
  tidy(() => {
    manualSeed(1);
    const logw = randn([12, 5]).mul(3).sub(100); // [M*K, B]
    const v = (t: Tensor) => t.toArray();
    assertClose(v(miwaeBound(logw, 1)), v(iwBound(logw)), { atol: 1e-5, what: 'M = 1' });
    assertClose(v(miwaeBound(logw, 12)), v(elboEstimate(logw)), { atol: 1e-5, what: 'K = 1' });
    assertClose(v(ciwaeBound(logw, 1)), v(elboEstimate(logw)), { atol: 1e-5, what: 'beta = 1' });
    assertClose(v(ciwaeBound(logw, 0)), v(iwBound(logw)), { atol: 1e-5, what: 'beta = 0' });
    // Worked by hand for one image: log weights 0, log 3 | log 2, log 2 (M = 2, K = 2).
    const w = tensor([0, Math.log(3), Math.log(2), Math.log(2)]).reshape(4, 1);
    assertClose(v(miwaeBound(w, 2)), [(Math.log(2) + Math.log(2)) / 2], { atol: 1e-6, what: 'by hand' });
    assertClose(v(ciwaeBound(w, 0.5)), [(0.5 * (Math.log(3) + 2 * Math.log(2))) / 4 + 0.5 * Math.log(2)], {
      atol: 1e-6,
      what: 'by hand, ciwae',
    });
    const [e, mi, iw] = [elboEstimate(logw), miwaeBound(logw, 3), iwBound(logw)].map(v);
    e!.forEach((_, i) =>
      assert.ok(e![i]! <= mi![i]! && mi![i]! <= iw![i]!, `image ${i}: ${e![i]} <= ${mi![i]} <= ${iw![i]}`),
    );
    assert.throws(() => miwaeBound(logw, 5), /do not split into 5 estimates/);
    assert.throws(() => ciwaeBound(logw, 1.5), /\[0, 1\]/);
  });
});

const inTmp = { cwd: tmp };
const small = [
  '--latent',
  '4',
  '--hidden',
  '32',
  '--samples',
  '3',
  '--batch-size',
  '64',
  '--threads',
  '1',
  '--no-pictures',
];
const train = (model: string, dir: string, epochs: number, extra: string[] = []) =>
  cli(
    [
      'train',
      '--model',
      model,
      ...small,
      '--limit',
      '256',
      '--epochs',
      String(epochs),
      '--out',
      dir,
      '--json',
      ...extra,
    ],
    inTmp,
  );

const HEADLINE = { miwae: 'miwae_bound', piwae: 'iw_bound', ciwae: 'ciwae_bound' } as const;
const OWN = { miwae: ['--estimates', '2'], piwae: ['--estimates', '2'], ciwae: ['--ciwae-beta', '0.5'] } as const;

for (const model of ['miwae', 'piwae', 'ciwae'] as const) {
  test(`train --model ${model}: its bound falls over 2 epochs on 256 images, eval works, and it exports to ONNX`, async () => {
    const dir = join(tmp, model);
    const r = train(model, dir, 2, [...OWN[model]]);
    assert.equal(r.status, 0, r.stderr);
    const m = readMetrics(dir);
    const key = `train_${HEADLINE[model]}`;
    assert.ok(m[1]![key]! < m[0]![key]!, `${key} falls: ${m[0]![key]} -> ${m[1]![key]}`);
    for (const k of [`test_${HEADLINE[model]}`, 'test_neg_elbo', 'train_neg_elbo'])
      assert.ok(Number.isFinite(m[1]![k]), `${k} recorded`);
    const e = cli(['eval', '--run', dir, '--k', '20', '--limit', '100', '--json'], inTmp);
    assert.equal(e.status, 0, e.stderr);
    const ev = JSON.parse(e.stdout.trim().split('\n').pop()!) as Record<string, number>;
    assert.ok(ev.iw_nll! < ev.test_neg_elbo!, 'the 20-sample NLL is below the -ELBO');
    assert.ok(Number.isFinite(ev[`test_${HEADLINE[model]}`]), "eval reports the model's own bound");
    await withOpenRun(dir, async (run) => void (await compareWithOnnx(run.model)));
  });
}

/** The tensor names in a safetensors file's header. */
function safetensorKeys(path: string): string[] {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  return Object.keys(JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as object).filter((k) => k !== '__metadata__');
}

test("piwae's checkpoint holds an optimizer per group, and a resumed run continues exactly", () => {
  const whole = join(tmp, 'piwae-whole');
  const parted = join(tmp, 'piwae-parted');
  assert.equal(train('piwae', whole, 2, ['--estimates', '2', '--seed', '4']).status, 0);
  assert.equal(train('piwae', parted, 1, ['--estimates', '2', '--seed', '4']).status, 0);
  // Adam's state per group, under the group's name: the encoder's 6 tensors (enc, mu, lv), the decoder's 4.
  const keys = safetensorKeys(join(parted, 'optimizer.safetensors'));
  const steps = (g: string) => keys.filter((k) => k.startsWith(`optim.${g}.`) && k.endsWith('.step')).length;
  assert.deepEqual([steps('encoder'), steps('decoder')], [6, 4], keys.join(', '));
  const r = cli(['train', '--resume', '--out', parted, '--epochs', '2', '--json'], inTmp);
  assert.equal(r.status, 0, r.stderr);
  const [a, b] = [readMetrics(whole)[1]!, readMetrics(parted)[1]!];
  for (const k of ['train_iw_bound', 'train_miwae_bound', 'test_iw_bound']) assert.equal(b[k], a[k], k);
});

test("the options: --samples has iwae's schema, --estimates is M, and ciwae's mix is --ciwae-beta, not the beta-VAE's --beta", () => {
  for (const m of ['miwae', 'piwae', 'ciwae']) {
    runSchema(m); // throws on a name clash
    assert.ok(sameOption(getModel(m).options.samples!, getModel('iwae').options.samples!), `${m} samples`);
  }
  const beta = cli(['train', '--model', 'ciwae', '--beta', '0.5', '--out', join(tmp, 'never')], inTmp);
  assert.notEqual(beta.status, 0);
  assert.match(beta.stderr, /'beta' does not apply to ciwae/);
  assert.match(
    cli(['train', '--model', 'ciwae', '--ciwae-beta', '1.5', '--out', join(tmp, 'never')], inTmp).stderr,
    /'ciwaeBeta' must be at most 1/,
  );
  assert.match(
    cli(['train', '--model', 'iwae', '--estimates', '2', '--out', join(tmp, 'never')], inTmp).stderr,
    /'estimates' does not apply to iwae; it is an option of miwae, piwae/,
  );
});

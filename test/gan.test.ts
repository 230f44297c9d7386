/**
 * GANs: WGAN-GP's gradient penalty against finite differences, the networks' shapes, the
 * alternating adversarial step (nCritic), training, pictures and exact resumption through the
 * CLI, conditional sampling (cvae) and the errors a GAN run gives where it has no encoder,
 * label or KL term. Everything runs on tiny data (256 images, 1-2 epochs, narrow networks)
 * and passes --no-class-watch so that no classifier is trained.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as L from '../src/index.js';
import { gradientPenalty, nonSaturating, wassersteinGp } from '../src/models/gan/losses.js';
import { Dcgan } from '../src/models/gan/dcgan.js';
import { GanMlp } from '../src/models/gan/gan-mlp.js';
import type { AdversarialBase } from '../src/models/gan/adversarial.js';
import { runSchema } from '../src/train/config.js';
import { OptimizerGroup, stepContext } from '../src/train/optimizers.js';
import { buildModel } from '../src/train/prepare.js';
import { decodePng, type Raster } from '../src/viz/grid.js';
import { decodeLatents, labelsFor } from '../src/inference/latent.js';
import { assertBytesEqual, assertClose, cli, cliAsync, jsonLines, prng, tempDir, type CliResult } from './helpers.js';

const { train } = L;
const tmp = tempDir('gan');

// ---------------------------------------------------------------------------------------
// Helpers.

/** The commands run in this file's folder. */
const inTmp = { cwd: tmp };

/** `train` on 256 MNIST images with two threads (so that reruns are bit-identical) and no class watch. */
function trainCli(out: string, ...args: string[]): CliResult {
  const r = cli(
    ['train', '--limit', '256', '--threads', '2', '--no-class-watch', '--json', '--out', out, ...args],
    inTmp,
  );
  assert.equal(r.status, 0, `train ${args.join(' ')} exited ${r.status}\n${r.stderr}`);
  return r;
}

/** Copies of a module's parameters by name. */
function snapshot(m: L.nn.Module): Map<string, Float32Array> {
  return new Map(m.namedParameters().map(([k, p]) => [k, Float32Array.from(p.toArray())]));
}

/** Names of the parameters whose values differ between two snapshots. */
function changed(a: Map<string, Float32Array>, b: Map<string, Float32Array>): string[] {
  return [...a].filter(([k, v]) => !v.every((x, i) => x === b.get(k)![i])).map(([k]) => k);
}

const uniform = (n: number, seed: number, lo = -1, hi = 1): number[] => {
  const r = prng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
};

/** A float64 linear layer (nn.Linear's parameters are float32): tensors given, registered as parameters. */
class Linear64 extends L.nn.Layer {
  readonly weight: L.Tensor;
  readonly bias: L.Tensor;
  constructor(w: L.Tensor, b: L.Tensor) {
    super();
    this.weight = this.param('weight', w);
    this.bias = this.param('bias', b);
  }
  forward(x: L.Tensor): L.Tensor {
    return L.linear(x, this.weight, this.bias);
  }
}

/** The bytes of every tensor in a safetensors file, by name. */
function tensorBytes(path: string): Map<string, Buffer> {
  const { tensors } = L.loadSafetensors(path);
  try {
    return new Map(
      Object.entries(tensors).map(([k, t]) => {
        const a = t.toTypedArray();
        return [k, Buffer.from(a.buffer, a.byteOffset, a.byteLength)];
      }),
    );
  } finally {
    L.disposeAll(tensors);
  }
}

/** Tile i (h x w pixels, all channels) of a grid with `cols` columns, 2-pixel padding, scale 1. */
function tile(img: Raster, i: number, cols: number, h = 28, w = 28): number[] {
  const x0 = 2 + (i % cols) * (w + 2);
  const y0 = 2 + Math.floor(i / cols) * (h + 2);
  const out: number[] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w * img.channels; x++) out.push(img.data[((y0 + y) * img.width + x0) * img.channels + x]!);
  return out;
}

// ---------------------------------------------------------------------------------------
// 1. WGAN-GP's gradient penalty.

const B = 3;
const REAL = uniform(B * 4, 1, 0, 1);
const FAKE = uniform(B * 4, 2, 0, 1);
// A critic Flatten -> Linear(4, 3) -> Tanh -> Linear(3, 1): weights W1 [3, 4], b1 [3], W2 [1, 3], b2 [1].
const SHAPES: number[][] = [[3, 4], [3], [1, 3], [1]];
const THETA = uniform(19, 3, -2.5, 2.5);
const GP_SEED = 11;

/** The penalty of the tiny float64 critic with parameters theta, and (withGrad) its gradient w.r.t. theta by backprop. */
function penaltyAt(theta: number[], withGrad: boolean): { value: number; grads?: number[] } {
  return L.tidy(() => {
    let at = 0;
    const ps = SHAPES.map((shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const t = L.tensor(Float64Array.from(theta.slice(at, at + n)), { shape });
      at += n;
      return t;
    });
    const net = new L.nn.Sequential(
      new L.nn.Flatten(),
      new Linear64(ps[0]!, ps[1]!),
      new L.nn.Tanh(),
      new Linear64(ps[2]!, ps[3]!),
    );
    try {
      const real = L.tensor(Float64Array.from(REAL), { shape: [B, 1, 2, 2] });
      const fake = L.tensor(Float64Array.from(FAKE), { shape: [B, 1, 2, 2] });
      L.manualSeed(GP_SEED); // the same interpolation points on every call
      const gp = gradientPenalty((x) => net.forward(x).reshape(-1), real, fake);
      assert.equal(gp.dtype, 'float64');
      const value = gp.item();
      if (!withGrad) return { value };
      gp.backward();
      // b2 shifts the critic without changing its input gradient: no gradient reaches it (null or zero).
      const grads = net.parameters().flatMap((p) => (p.grad ? p.grad.toArray() : new Array<number>(p.numel).fill(0)));
      return { value, grads };
    } finally {
      net.dispose();
    }
  });
}

test("WGAN-GP's gradient penalty: its value by hand, and its weight gradient (second order) against finite differences", () => {
  // By hand: x_hat = real + eps (fake - real); grad_x f = W1^T (W2^T * (1 - tanh(W1 x_hat + b1)^2)).
  const eps = L.tidy(() => {
    L.manualSeed(GP_SEED);
    return L.rand([B, 1, 1, 1], { dtype: 'float64' }).toArray();
  });
  const [W1, b1, W2] = [THETA.slice(0, 12), THETA.slice(12, 15), THETA.slice(15, 18)];
  let expected = 0;
  for (let i = 0; i < B; i++) {
    const x = Array.from({ length: 4 }, (_, j) => REAL[i * 4 + j]! + eps[i]! * (FAKE[i * 4 + j]! - REAL[i * 4 + j]!));
    const h = [0, 1, 2].map((k) => Math.tanh(b1[k]! + [0, 1, 2, 3].reduce((s, j) => s + W1[k * 4 + j]! * x[j]!, 0)));
    const g = [0, 1, 2, 3].map((j) => [0, 1, 2].reduce((s, k) => s + W1[k * 4 + j]! * W2[k]! * (1 - h[k]! ** 2), 0));
    const norm = Math.sqrt(g.reduce((s, v) => s + v * v, 0) + 1e-12);
    expected += (0.5 * norm - 1) ** 2 / B;
  }
  const { value, grads } = penaltyAt(THETA, true);
  assert.ok(expected > 0.05, `the test point should be away from the penalty's minimum (${expected})`);
  assertClose([value], [expected], { atol: 0, rtol: 1e-12, what: 'penalty' });

  // Central differences of the penalty value, parameter by parameter.
  const h = 1e-6;
  const numeric = THETA.map((_, k) => {
    const plus = [...THETA];
    const minus = [...THETA];
    plus[k]! += h;
    minus[k]! -= h;
    return (penaltyAt(plus, false).value - penaltyAt(minus, false).value) / (2 * h);
  });
  const scale = Math.max(1e-3, ...numeric.map(Math.abs));
  const err = Math.max(...grads!.map((g, k) => Math.abs(g - numeric[k]!)));
  assert.ok(scale > 1e-2, `the gradient is not trivially small (max ${scale})`);
  assert.ok(err / scale < 1e-5, `max relative error ${err / scale}\nanalytic ${grads}\nnumeric  ${numeric}`);
  // b1 reaches the input gradient only through tanh'' (a second-order path); b2 does not reach it at all.
  assert.ok(Math.max(...grads!.slice(12, 15).map(Math.abs)) > 1e-3, `b1's gradient ${grads!.slice(12, 15)}`);
  assert.equal(grads![18], 0);
  assert.ok(Math.abs(numeric[18]!) < 1e-8);
});

test('the gradient penalty of a linear critic f(x) = x.w is (s ||w|| - 1)^2 with its closed-form gradient', () => {
  L.tidy(() => {
    const wv = [1, 2, 2, 0]; // ||w|| = 3
    const w = L.tensor(Float64Array.from(wv), { requiresGrad: true });
    const real = L.tensor(Float64Array.from(REAL), { shape: [B, 1, 2, 2] });
    const fake = L.tensor(Float64Array.from(FAKE), { shape: [B, 1, 2, 2] });
    const critic = (x: L.Tensor): L.Tensor => x.reshape(x.size(0), -1).matmul(w);
    const norm = Math.sqrt(9 + 1e-12);
    // latentlab's default inputScale 0.5: the critic network sees 2x - 1, so its own gradient is w / 2.
    const gp = gradientPenalty(critic, real, fake);
    assertClose([gp.item()], [(0.5 * norm - 1) ** 2], { atol: 1e-15, rtol: 1e-12, what: 'penalty at scale 0.5' });
    assertClose([gp.item()], [0.25], { atol: 1e-10, what: 'penalty at scale 0.5' });
    gp.backward();
    // d/dw (0.5 ||w|| - 1)^2 = (0.5 ||w|| - 1) w / ||w|| = w / 6.
    assertClose(
      w.grad!.toArray(),
      wv.map((v) => ((0.5 * norm - 1) * v) / norm),
      { atol: 1e-14, rtol: 1e-12, what: 'dGP/dw' },
    );
    assertClose([gradientPenalty(critic, real, fake, 1).item()], [4], { atol: 1e-10, what: 'penalty at scale 1' });
    // ||w|| = 2 at scale 0.5 is exactly on target: no penalty.
    const w2 = L.tensor(Float64Array.from([0, 2, 0, 0]));
    assert.ok(gradientPenalty((x) => x.reshape(x.size(0), -1).matmul(w2), real, fake).item() < 1e-20);
  });
});

// ---------------------------------------------------------------------------------------
// 2. Shapes.

test('dcgan decodes z to images in [0, 1] for 28x28, 32x32 and 64x64, and its critic gives one value per image', () => {
  for (const shape of [
    [1, 28, 28],
    [3, 32, 32],
    [1, 64, 64],
  ] as [number, number, number][]) {
    L.manualSeed(0);
    const m = new Dcgan({ latent: 6, imageShape: shape, loss: nonSaturating, width: 4 });
    try {
      L.tidy(() => {
        const x = m.decode(L.randn([3, 6]));
        assert.deepEqual(x.shape, [3, ...shape]);
        assert.ok(x.min().item() >= 0 && x.max().item() <= 1, `${shape}: range [${x.min().item()}, ${x.max().item()}]`);
        assert.ok(x.std().item() > 0, 'the images are not constant');
        const d = m.critic(x);
        assert.deepEqual(d.shape, [3]);
        assert.ok(d.isFinite().all().item() === 1);
        // The largest feature map is `width` channels at half the image's side; the smallest starts at 7 or 4.
        const start = shape[1] === 28 ? 7 : 4;
        const steps = Math.log2(shape[1] / start);
        assert.deepEqual(m.stateDict()['generator.0.weight']!.shape, [4 * 2 ** (steps - 1) * start * start, 6]);
        assert.deepEqual(m.stateDict()['discriminator.0.weight']!.shape, [4, shape[0], 4, 4]);
      });
    } finally {
      m.dispose();
    }
  }
  assert.throws(
    () => new Dcgan({ latent: 6, imageShape: [1, 30, 30], loss: nonSaturating, width: 4 }),
    (e: Error) => e instanceof RangeError && /got 30x30/.test(e.message) && /28x28, 32x32 or 64x64/.test(e.message),
  );
  assert.throws(
    () => new Dcgan({ latent: 6, imageShape: [1, 28, 32], loss: nonSaturating, width: 4 }),
    /square images, got 28x32/,
  );
  assert.throws(
    () => new Dcgan({ latent: 6, imageShape: [1, 28, 28], loss: nonSaturating, width: 4, numClasses: 10 }),
    /unconditional; use cgan/,
  );
});

test("dcgan's initialisation is DCGAN's, and wgan-gp's critic has no batch norm (its generator keeps it)", () => {
  L.manualSeed(0);
  const dc = new Dcgan({ latent: 8, imageShape: [1, 28, 28], loss: nonSaturating, width: 16 });
  const wg = new Dcgan({ latent: 8, imageShape: [1, 28, 28], loss: wassersteinGp(10), width: 16 });
  try {
    assert.equal(dc.modelName, 'dcgan');
    assert.equal(wg.modelName, 'wgan-gp');
    const bn = (m: Dcgan, part: string): string[] =>
      Object.keys(m.stateDict()).filter(
        (k) => k.startsWith(part) && /running_mean|running_var|num_batches_tracked/.test(k),
      );
    assert.deepEqual(bn(wg, 'discriminator.'), []);
    assert.ok(bn(wg, 'generator.').length >= 3, 'the generator keeps batch norm');
    assert.ok(bn(dc, 'discriminator.').length >= 3, "dcgan's discriminator has batch norm");
    // No BatchNorm layer hides anywhere in the critic's modules either.
    assert.ok(!wg.discriminator.namedModules().some(([, m]) => m instanceof L.nn.BatchNorm2d));
    // With batch norm after them, dcgan's inner convolutions have no bias; wgan-gp's do.
    assert.ok(!('discriminator.2.bias' in dc.stateDict()));
    assert.ok('discriminator.2.bias' in wg.stateDict());
    L.tidy(() => {
      const p = dc.stateDict();
      const w = p['discriminator.2.weight']!; // 16 -> 32 channels, 4x4: 8192 weights
      assertClose([w.mean().item(), w.std().item()], [0, 0.02], {
        atol: 1.5e-3,
        rtol: 0,
        what: 'conv weight N(0, 0.02)',
      });
      assertClose([p['generator.2.weight']!.mean().item()], [1], {
        atol: 0.01,
        rtol: 0,
        what: 'batch-norm scale N(1, 0.02)',
      });
      assert.equal(p['generator.2.bias']!.abs().max().item(), 0);
    });
  } finally {
    dc.dispose();
    wg.dispose();
  }
});

test('gan-mlp and cgan shapes; cgan needs labels and uses them', () => {
  L.manualSeed(0);
  const g = new GanMlp({ latent: 5, imageShape: [1, 28, 28], loss: nonSaturating, hidden: 16 });
  const c = new GanMlp({ latent: 5, imageShape: [1, 28, 28], loss: nonSaturating, hidden: 16, numClasses: 10 });
  try {
    assert.deepEqual([g.modelName, g.numClasses, c.modelName, c.numClasses], ['gan-mlp', 0, 'cgan', 10]);
    assert.deepEqual(g.stateDict()['generator.0.weight']!.shape, [16, 5]);
    assert.deepEqual(c.stateDict()['generator.0.weight']!.shape, [16, 15]);
    assert.deepEqual(c.stateDict()['discriminator.1.weight']!.shape, [32, 784 + 10]);
    L.tidy(() => {
      const z = L.randn([4, 5]);
      const x = g.decode(z);
      assert.deepEqual(x.shape, [4, 1, 28, 28]);
      assert.ok(x.min().item() >= 0 && x.max().item() <= 1);
      assert.deepEqual(g.critic(x).shape, [4]);
      const y = L.tensor([0, 3, 3, 9], { dtype: 'int64' });
      const xc = c.decode(z, y);
      assert.deepEqual(xc.shape, [4, 1, 28, 28]);
      assert.deepEqual(c.critic(xc, y).shape, [4]);
      assert.throws(() => c.decode(z), /cgan is conditional: give the class labels/);
      assert.throws(() => c.critic(xc), /cgan is conditional: give the class labels/);
      assert.throws(
        () => c.decode(z, L.tensor([1, 2], { dtype: 'int64' })),
        /cgan: expected 4 labels, got shape \[2\]/,
      );
      // Same z, another label: another image (in eval mode, so batch norm does not mix the batch).
      c.eval();
      const a = c.decode(z, L.full([4], 3, { dtype: 'int64' }));
      const b = c.decode(z, L.full([4], 4, { dtype: 'int64' }));
      assert.ok(a.sub(b).abs().max().item() > 1e-4);
      // labelsFor / decodeLatents: 'each' gives image i the class i mod K; a number gives every image that class.
      assert.deepEqual(labelsFor(c, 12, 'each')!.toArray(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
      assert.deepEqual(labelsFor(c, 3, 7)!.toArray(), [7, 7, 7]);
      assert.equal(labelsFor(g, 3, 'each'), null);
      assert.throws(() => labelsFor(g, 3, 2), /gan-mlp is not conditional: it takes no --label/);
      assert.throws(() => labelsFor(c, 3), /cgan is conditional: give the class to generate/);
      assert.throws(
        () => labelsFor(c, 3, 10),
        (e: Error) => e instanceof RangeError && /label 10 does not exist: cgan knows classes 0 to 9/.test(e.message),
      );
      const z12 = L.randn([12, 5]);
      const each = decodeLatents(c, z12, 'each');
      const byHand = c.decode(z12, L.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1], { dtype: 'int64' }));
      assert.equal(each.sub(byHand).abs().max().item(), 0);
    });
  } finally {
    g.dispose();
    c.dispose();
  }
});

// ---------------------------------------------------------------------------------------
// 3. The adversarial step.

function adversarialSetup(over: Record<string, unknown>, shape: [number, number, number] = [1, 28, 28]) {
  const keys = runSchema(String(over.model));
  const small = Object.fromEntries(Object.entries({ latent: 8, width: 4, hidden: 16 }).filter(([k]) => k in keys));
  const c = train.resolveConfig({}, { ...small, ...over });
  L.manualSeed(1);
  const model = buildModel(c, shape, 10) as AdversarialBase;
  const pair = OptimizerGroup.create(c, model.parameterGroups());
  assert.deepEqual(Object.keys(pair.optimizers), ['generator', 'discriminator']);
  const ctx = stepContext(pair);
  const step = (x: L.Tensor, y: L.Tensor, t: number, iteration: number): Record<string, number> =>
    L.tidy(() => model.trainingStep({ x, y, t, iteration }, ctx));
  return { c, model, pair, objective: { step } };
}

for (const [name, over, every] of [
  ['wgan-gp (nCritic 5 by default)', { model: 'wgan-gp' }, 5],
  ['dcgan (nCritic 1 by default)', { model: 'dcgan' }, 1],
  ['gan-mlp with --n-critic 3', { model: 'gan-mlp', nCritic: 3 }, 3],
] as [string, Record<string, unknown>, number][]) {
  test(`${name}: every step moves the discriminator; the generator moves only when iteration % ${every} === 0`, () => {
    const { c, model, pair, objective } = adversarialSetup(over);
    const x = L.keep(L.rand([8, 1, 28, 28]));
    const y = L.keep(L.zeros([8], { dtype: 'int64' }));
    try {
      assert.equal(model.nCritic, every);
      const gNames = model.generator.namedParameters().length;
      const dNames = model.discriminator.namedParameters().length;
      const moved: number[] = [];
      for (let it = 0; it <= 10; it++) {
        const live = L.liveTensors();
        const g0 = snapshot(model.generator);
        const d0 = snapshot(model.discriminator);
        const sums = objective.step(x, y, 0, it);
        // After the first step has made the optimizers' state and gradients, a step adds no tensors
        // (the count can only fall meanwhile, when the GC collects other tests' dropped handles).
        if (it > 0) assert.ok(L.liveTensors() <= live, `iteration ${it}: ${L.liveTensors() - live} tensors leaked`);
        const dMoved = changed(d0, snapshot(model.discriminator));
        const gMoved = changed(g0, snapshot(model.generator));
        if (model.loss.name === 'wasserstein-gp') {
          // The critic's output bias cancels in critic(G(z)) - critic(x) and is absent from the
          // penalty: its gradient is exactly 0, so Adam leaves it where it is; everything else moves.
          const outBias = [...d0.keys()].at(-1)!;
          assert.equal(outBias, '5.bias');
          assert.deepEqual(
            dMoved,
            [...d0.keys()].filter((k) => k !== outBias),
            `iteration ${it}`,
          );
        } else {
          assert.equal(
            dMoved.length,
            dNames,
            `iteration ${it}: every discriminator parameter moves (${dMoved.length}/${dNames})`,
          );
        }
        if (it % every === 0) {
          assert.equal(
            gMoved.length,
            gNames,
            `iteration ${it}: every generator parameter moves (${gMoved.join(', ')})`,
          );
          moved.push(it);
        } else {
          assert.deepEqual(gMoved, [], `iteration ${it}: the generator must not move`);
        }
        for (const v of Object.values(sums)) assert.ok(Number.isFinite(v));
        if (model.loss.name === 'wasserstein-gp') {
          // Sums over the batch: d_loss = critic(G(z)) - critic(x) + 10 * penalty; W = critic(x) - critic(G(z)).
          assertClose([sums.dLoss!], [sums.dFake! - sums.dReal! + Number(c.gpWeight) * sums.gradientPenalty!], {
            atol: 1e-4,
            rtol: 1e-4,
            what: `d_loss at ${it}`,
          });
          assertClose([sums.wasserstein!], [sums.dReal! - sums.dFake!], {
            atol: 1e-5,
            rtol: 1e-4,
            what: `wasserstein at ${it}`,
          });
          assert.ok(sums.gradientPenalty! >= 0);
        } else {
          // Probabilities, summed over 8 images.
          for (const k of ['dReal', 'dFake']) assert.ok(sums[k]! > 0 && sums[k]! < 8, `${k} ${sums[k]}`);
          assert.ok(sums.dLoss! > 0 && sums.gLoss! > 0);
        }
      }
      assert.deepEqual(
        moved,
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((i) => i % every === 0),
      );
      assert.equal(pair.get('discriminator').stepCount, 11);
      assert.equal(pair.get('generator').stepCount, moved.length);
    } finally {
      x.dispose();
      y.dispose();
      model.dispose();
      pair.dispose();
    }
  });
}

// ---------------------------------------------------------------------------------------
// 8. OptimizerPair's state.

test('OptimizerPair.stateDict()/loadStateDict() restore both optimizers exactly: the same next step', () => {
  const over = { model: 'gan-mlp', hidden: 8, latent: 4 } as const;
  const shape: [number, number, number] = [1, 4, 4];
  const a = adversarialSetup(over, shape);
  const x = L.keep(L.rand([6, 1, 4, 4]));
  const y = L.keep(L.zeros([6], { dtype: 'int64' }));
  const fresh = [adversarialSetup(over, shape), adversarialSetup(over, shape)];
  let saved: Record<string, L.Tensor> = {};
  try {
    for (let it = 0; it < 3; it++) {
      L.manualSeed(100 + it);
      a.objective.step(x, y, 0, it);
    }
    saved = L.tidy(() =>
      Object.fromEntries(Object.entries(a.pair.stateDict()).map(([k, t]) => [k, L.keep(t.clone())])),
    );
    const keys = Object.keys(saved);
    assert.ok(
      keys.length > 0 && keys.every((k) => /^(generator|discriminator)\.\d+\.(exp_avg|exp_avg_sq|step)$/.test(k)),
      keys.join(', '),
    );
    assert.ok(keys.some((k) => k.startsWith('generator.')) && keys.some((k) => k.startsWith('discriminator.')));
    assert.equal(saved['generator.0.step']!.item(), 3);
    assert.equal(saved['discriminator.0.step']!.item(), 3);
    // The two others: same weights; one gets the saved optimizer state, one starts afresh.
    const [restored, control] = fresh as [ReturnType<typeof adversarialSetup>, ReturnType<typeof adversarialSetup>];
    for (const r of [restored, control]) r.model.loadStateDict(a.model.stateDict());
    restored.pair.loadStateDict(saved);
    for (const r of [a, restored, control]) {
      L.manualSeed(200);
      r.objective.step(x, y, 0, 3);
    }
    const after = snapshot(a.model);
    assert.deepEqual(changed(after, snapshot(restored.model)), [], 'the restored pair takes the same step');
    assert.ok(
      changed(after, snapshot(control.model)).length > 0,
      'a fresh pair takes another step (the test can fail)',
    );
    const sa = a.pair.stateDict();
    const sr = restored.pair.stateDict();
    assert.deepEqual(Object.keys(sr), Object.keys(sa));
    for (const k of Object.keys(sa)) assert.deepEqual(sr[k]!.toArray(), sa[k]!.toArray(), k);
    L.disposeAll([...Object.values(sa), ...Object.values(sr)]);
    // A VAE's optimizer state is not a GAN's.
    assert.throws(
      () =>
        restored.pair.loadStateDict(
          Object.fromEntries(
            Object.entries(saved).map(([k, t]) => [k.replace(/^generator\./, '').replace(/^discriminator\./, ''), t]),
          ),
        ),
      /belongs to none of the parameter groups \(generator, discriminator\)/,
    );
  } finally {
    L.disposeAll([x, y, ...Object.values(saved)]);
    for (const r of [a, ...fresh]) {
      r.model.dispose();
      r.pair.dispose();
    }
  }
});

// ---------------------------------------------------------------------------------------
// 4 and 5. Training through the CLI, and exact resumption.

const DCGAN_ARGS = ['--model', 'dcgan', '--width', '8', '--latent', '16', '--seed', '3'];
let dcganDir: string | null = null;
/** One dcgan run of 2 epochs, shared by the tests below. */
function dcganRun(): string {
  if (!dcganDir) {
    dcganDir = join(tmp, 'dcgan');
    trainCli(dcganDir, ...DCGAN_ARGS, '--epochs', '2');
  }
  return dcganDir;
}

test('train --model dcgan: GAN metrics every epoch (no -ELBO), samples, curves and progress.gif', async () => {
  const dir = dcganRun();
  const metrics = train.readMetrics(dir);
  assert.deepEqual(
    metrics.map((m) => m.epoch),
    [1, 2],
  );
  for (const m of metrics) {
    for (const k of ['train_d_loss', 'train_g_loss', 'train_d_real', 'train_d_fake'])
      assert.ok(Number.isFinite(m[k]), `${k} in ${JSON.stringify(m)}`);
    for (const k of ['train_d_real', 'train_d_fake'])
      assert.ok(m[k]! > 0 && m[k]! < 1, `${k} is a probability: ${m[k]}`);
    // BCE of real and fake together starts near 2 ln 2 and is never 0.
    assert.ok(m.train_d_loss! > 0.1 && m.train_d_loss! < 5, `d_loss ${m.train_d_loss}`);
    for (const k of Object.keys(m))
      assert.ok(!/neg_elbo|kl|recon|^beta$|^val_|^test_|wasserstein|penalty/.test(k), `unexpected key ${k}`);
    assert.equal(m.lr, 2e-4);
  }
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { resolved: Record<string, unknown> };
  assert.deepEqual(config.resolved.adam_betas, [0.5, 0.999]);
  assert.equal(config.resolved.critic_steps, 1);
  const samples = await decodePng(join(dir, 'samples.png'));
  assert.deepEqual(
    [samples.width, samples.height],
    [(8 * 30 + 2) * 2, (8 * 30 + 2) * 2],
    '64 samples, 8 columns, scale 2',
  );
  assert.ok((await decodePng(join(dir, 'curves.png'))).width > 100);
  assert.equal(readFileSync(join(dir, 'progress.gif')).subarray(0, 6).toString(), 'GIF89a');
  assert.ok(!existsSync(join(dir, 'reconstructions.png')), 'a GAN has no reconstructions');
  assert.ok(!existsSync(join(dir, 'latent-map.png')), 'a GAN has no latent map');
});

test('train --model wgan-gp adds the Wasserstein estimate and the gradient penalty', () => {
  const dir = join(tmp, 'wgan');
  const r = trainCli(dir, '--model', 'wgan-gp', '--width', '8', '--latent', '16', '--epochs', '1');
  const [m] = train.readMetrics(dir);
  assert.ok(m);
  for (const k of [
    'train_d_loss',
    'train_g_loss',
    'train_d_real',
    'train_d_fake',
    'train_wasserstein',
    'train_gradient_penalty',
  ])
    assert.ok(Number.isFinite(m[k]), k);
  assert.ok(!('test_neg_elbo' in m));
  // Per-image averages of d_loss = critic(G(z)) - critic(x) + 10 * penalty, rounded to 4 places.
  assertClose([m.train_d_loss!], [m.train_d_fake! - m.train_d_real! + 10 * m.train_gradient_penalty!], {
    atol: 2e-3,
    rtol: 0,
    what: 'd_loss',
  });
  assertClose([m.train_wasserstein!], [m.train_d_real! - m.train_d_fake!], {
    atol: 2e-4,
    rtol: 0,
    what: 'wasserstein',
  });
  assert.ok(m.train_gradient_penalty! > 0);
  assert.equal(m.lr, 1e-4);
  const summary = jsonLines(r.stdout).at(-1)!;
  assert.equal(summary.train_d_loss, m.train_d_loss);
  assert.ok(!('test_neg_elbo' in summary));
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { resolved: Record<string, unknown> };
  assert.deepEqual(config.resolved.adam_betas, [0.5, 0.9]);
  assert.equal(config.resolved.critic_steps, 5);
  assert.ok(existsSync(join(dir, 'samples.png')) && existsSync(join(dir, 'progress.gif')));
});

test('a GAN resumed after epoch 1 ends exactly where the uninterrupted run does', () => {
  const whole = dcganRun();
  const dir = join(tmp, 'dcgan-resumed');
  trainCli(dir, ...DCGAN_ARGS, '--epochs', '1');
  const r = cli(['train', '--resume', '--out', dir, '--epochs', '2', '--json', '--no-class-watch'], inTmp);
  assert.equal(r.status, 0, r.stderr);
  const strip = (ms: Record<string, number>[]) => ms.map(({ sec: _s, images_per_sec: _i, ...rest }) => rest);
  assert.deepEqual(strip(train.readMetrics(dir)), strip(train.readMetrics(whole)));
  const [ma, mb] = [tensorBytes(join(whole, train.FILES.model)), tensorBytes(join(dir, train.FILES.model))];
  assert.deepEqual([...mb.keys()], [...ma.keys()]);
  assert.ok(
    [...ma.keys()].some((k) => k.endsWith('running_mean')),
    'batch-norm statistics are saved too',
  );
  for (const [k, v] of ma) assertBytesEqual(v, mb.get(k)!, `model tensor ${k}`);
  const [oa, ob] = [tensorBytes(join(whole, train.FILES.optimizer)), tensorBytes(join(dir, train.FILES.optimizer))];
  const keys = [...oa.keys()];
  assert.ok(
    keys.some((k) => k.startsWith('optim.generator.')),
    keys.join(', '),
  );
  assert.ok(
    keys.some((k) => k.startsWith('optim.discriminator.')),
    keys.join(', '),
  );
  assert.deepEqual([...ob.keys()].sort(), [...keys].sort());
  for (const [k, v] of oa) assertBytesEqual(v, ob.get(k)!, `optimizer tensor ${k}`);
});

test('wgan-gp stopped in the middle of an epoch resumes identically (critic-step counting and the penalty noise)', async () => {
  const c = train.resolveConfig(
    {},
    { model: 'wgan-gp', limit: 256, epochs: 1, batchSize: 32, width: 4, latent: 8, threads: 2, seed: 4 },
  );
  /** Trains in `dir` (fresh, or resuming its checkpoint), asking for a stop after batch `stopAt`. */
  const fit = async (dir: string, o: { resume?: boolean; stopAt?: number } = {}): Promise<L.train.EpochRecord[]> => {
    const records: L.train.EpochRecord[] = [];
    const run = await train.prepareRun(c, dir, !o.resume, {
      onEpochEnd: (r) => void records.push(r),
      onBatch: (_e, done) => {
        if (done === o.stopAt) run.trainer.requestStop('test stop');
      },
    });
    const origNow = performance.now.bind(performance);
    let t = 0;
    performance.now = () => (t += 100); // every batch yields, so a stop is seen at once
    try {
      if (o.resume) run.trainer.resume();
      await run.trainer.fit();
    } finally {
      performance.now = origNow;
      run.dispose();
    }
    return records;
  };
  const whole = await fit(join(tmp, 'wgan-whole'));
  const dir = join(tmp, 'wgan-stopped');
  assert.deepEqual(await fit(dir, { stopAt: 3 }), [], 'stopped inside epoch 1');
  const ck = train.loadCheckpoint(dir);
  assert.deepEqual([ck.state.epoch, ck.state.batch], [0, 3]);
  L.disposeAll([ck.model, ck.optimizer, ck.rng, ck.order]);
  const rest = await fit(dir, { resume: true });
  const strip = (ms: Record<string, number>[]) => ms.map(({ sec: _s, images_per_sec: _i, ...m }) => m);
  assert.equal(rest.length, 1);
  assert.deepEqual(strip(rest), strip(whole));
  assert.ok(rest[0]!.train_gradient_penalty! > 0);
  const [ma, mb] = [tensorBytes(join(tmp, 'wgan-whole', train.FILES.model)), tensorBytes(join(dir, train.FILES.model))];
  for (const [k, v] of ma) assertBytesEqual(v, mb.get(k)!, `model tensor ${k}`);
});

test('a GAN checkpointed before its first step (stop requested at once) can be resumed', async () => {
  const c = train.resolveConfig(
    {},
    { model: 'gan-mlp', limit: 64, epochs: 1, batchSize: 32, hidden: 8, latent: 4, threads: 2 },
  );
  const dir = join(tmp, 'gan-stopped-at-once');
  const first = await train.prepareRun(c, dir, true);
  try {
    first.trainer.requestStop('stopped before the first batch');
    const r = await first.trainer.fit();
    assert.equal(r.interrupted, true);
  } finally {
    first.dispose();
  }
  const again = await train.prepareRun(c, dir, false);
  try {
    again.trainer.resume();
    const r = await again.trainer.fit();
    assert.equal(r.epochsDone, 1);
  } finally {
    again.dispose();
  }
});

// ---------------------------------------------------------------------------------------
// 6. Conditional sampling, and what a GAN cannot do.

test('cvae trains; sample --label k draws class k, and without --label column k shows class k', async () => {
  const dir = join(tmp, 'cvae');
  const r = trainCli(dir, '--model', 'cvae', '--epochs', '1', '--hidden', '32', '--latent', '4');
  const [m] = train.readMetrics(dir);
  assert.ok(Number.isFinite(m!.test_neg_elbo) && m!.test_neg_elbo! > 0, `test_neg_elbo ${m!.test_neg_elbo}`);
  assert.ok(m!.train_kl! > 0);
  assert.equal(jsonLines(r.stdout).at(-1)!.test_neg_elbo, m!.test_neg_elbo);
  const each = join(tmp, 'cvae-each.png');
  const three = join(tmp, 'cvae-3.png');
  const four = join(tmp, 'cvae-4.png');
  const runs = await Promise.all(
    (
      [
        [each, []],
        [three, ['--label', '3']],
        [four, ['--label', '4']],
      ] as [string, string[]][]
    ).map(([out, label]) =>
      cliAsync(['sample', '--run', dir, '--n', '20', '--scale', '1', '--out', out, '--json', ...label], inTmp).then(
        (s) => ({
          s,
          out,
        }),
      ),
    ),
  );
  for (const { s, out } of runs) {
    assert.equal(s.status, 0, s.stderr);
    assert.deepEqual(jsonLines(s.stdout).at(-1), { files: [out] });
  }
  const [gEach, g3, g4] = await Promise.all([decodePng(each), decodePng(three), decodePng(four)]);
  assert.deepEqual([gEach.width, gEach.height], [10 * 30 + 2, 2 * 30 + 2], 'one column per class: 10 columns, 2 rows');
  assert.deepEqual([g3.width, g3.height], [5 * 30 + 2, 4 * 30 + 2], 'a single class: the default square-ish grid');
  // The same seed gives the same z: sample i of the 'each' grid (class i mod 10) is sample i of the --label grid of that class.
  for (const i of [3, 13]) assert.deepEqual(tile(gEach, i, 10), tile(g3, i, 5), `sample ${i} with class 3`);
  for (const i of [4, 14]) assert.deepEqual(tile(gEach, i, 10), tile(g4, i, 5), `sample ${i} with class 4`);
  assert.notDeepEqual(tile(g3, 4, 5), tile(g4, 4, 5), 'the label changes the image');
  const bad = cli(['sample', '--run', dir, '--label', '12', '--out', join(tmp, 'never.png')], inTmp);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /label 12 does not exist: cvae knows classes 0 to 9/);
  assert.ok(!existsSync(join(tmp, 'never.png')));
});

test('a dcgan run refuses --label and reconstruct with a clear message', async () => {
  const dir = dcganRun();
  const cases = [
    [['sample', '--run', dir, '--label', '3'], /dcgan is not conditional: it takes no --label/],
    [
      ['decode', '--run', dir, '--z', Array(16).fill('0').join(','), '--label', '3'],
      /dcgan is not conditional: it takes no --label/,
    ],
    [
      ['reconstruct', '--run', dir],
      /reconstruct needs an encoder; dcgan has none \(it offers: decoder, prior, discriminator\)/,
    ],
    [['latent-map', '--run', dir], /latent-map needs an encoder; dcgan has none/],
  ] as [string[], RegExp][];
  const [ok, ...results] = await Promise.all([
    cliAsync(['sample', '--run', dir, '--n', '16', '--out', join(tmp, 'dcgan-samples.png'), '--json'], inTmp),
    ...cases.map(([args]) => cliAsync([...args, '--out', join(tmp, 'never-dcgan.png')], inTmp)),
  ]);
  cases.forEach(([args, re], i) => {
    const r = results[i]!;
    assert.notEqual(r.status, 0, `${args[0]} should fail`);
    assert.match(r.stderr, re);
  });
  assert.ok(!existsSync(join(tmp, 'never-dcgan.png')));
  assert.equal(ok.status, 0, ok.stderr);
});

test('train --model cgan: samples.png has one column per class; sample needs no --label, and takes one', async () => {
  const dir = join(tmp, 'cgan');
  trainCli(dir, '--model', 'cgan', '--epochs', '1', '--hidden', '16', '--latent', '8');
  const [m] = train.readMetrics(dir);
  for (const k of ['train_d_loss', 'train_g_loss', 'train_d_real', 'train_d_fake'])
    assert.ok(Number.isFinite(m![k]), k);
  const samples = await decodePng(join(dir, 'samples.png'));
  assert.deepEqual(
    [samples.width, samples.height],
    [(10 * 30 + 2) * 2, (8 * 30 + 2) * 2],
    '80 samples: 10 columns (classes), 8 rows, scale 2',
  );
  const [each, three] = await Promise.all([
    cliAsync(['sample', '--run', dir, '--n', '20', '--scale', '1', '--out', join(tmp, 'cgan-each.png')], inTmp),
    cliAsync(
      ['sample', '--run', dir, '--n', '20', '--scale', '1', '--out', join(tmp, 'cgan-3.png'), '--label', '3'],
      inTmp,
    ),
  ]);
  assert.equal(each.status, 0, each.stderr);
  assert.equal(three.status, 0, three.stderr);
  const [gEach, g3] = await Promise.all([decodePng(join(tmp, 'cgan-each.png')), decodePng(join(tmp, 'cgan-3.png'))]);
  assert.equal(gEach.width, 10 * 30 + 2);
  assert.deepEqual(tile(gEach, 13, 10), tile(g3, 13, 5), 'sample 13 is class 3 in both grids');
});

// ---------------------------------------------------------------------------------------
// 7. Configuration errors.

test('GAN configuration errors: beta, another optimizer, early stopping', async () => {
  const out = join(tmp, 'never-run');
  const cases = [
    [['--beta', '2'], /'beta' does not apply to dcgan; it is an option of vae-mlp, vae-conv, cvae/],
    [['--optimizer', 'sgd'], /dcgan trains with adam; got --optimizer sgd/],
    [
      ['--patience', '3', '--val-fraction', '0.1'],
      /early stopping watches a validation metric, and dcgan declares none/,
    ],
  ] as [string[], RegExp][];
  const results = await Promise.all(
    cases.map(([args]) =>
      cliAsync(['train', '--model', 'dcgan', '--limit', '256', '--no-class-watch', ...args, '--out', out], inTmp),
    ),
  );
  cases.forEach(([args, re], i) => {
    const r = results[i]!;
    assert.equal(r.status, 1, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, re);
  });
  assert.ok(!existsSync(join(out, 'config.json')), 'nothing was written');
  // The same checks in the library, for every GAN.
  for (const model of ['gan-mlp', 'wgan-gp', 'cgan'] as const) {
    assert.throws(() => train.resolveConfig({}, { model, beta: 2 }), new RegExp(`'beta' does not apply to ${model}`));
    assert.throws(() => train.resolveConfig({}, { model, optimizer: 'rmsprop' }), /trains with adam/);
  }
  assert.throws(() => train.resolveConfig({}, { model: 'dcgan', nCritic: 0 }), /'nCritic' must be at least 1, got 0/);
  assert.deepEqual(train.adamBetas(train.resolveConfig({}, { model: 'wgan-gp', beta1: 0.1 })), [0.1, 0.9]);
  assert.equal(train.effectiveLr(train.resolveConfig({}, { model: 'cgan' })), 2e-4);
  // "none" for a setting the model gives a value means that value, in a new run as in a stored one.
  assert.equal(train.resolveConfig({}, { model: 'dcgan', lr: null }).lr, 2e-4);
  assert.equal(train.resolveConfig({}, { model: 'wgan-gp', beta2: null }).beta2, 0.9);
  assert.equal(train.resolveConfig({}, { model: 'vae-mlp', lr: null }).lr, null);
});

test('latent size defaults per model family: 20 for VAEs, 2 for cvae, 100 for GANs; a given size wins', () => {
  const latent = (over: Record<string, unknown>, file: Record<string, unknown> = {}): unknown =>
    train.resolveConfig(file, over).latent;
  assert.equal(latent({ model: 'vae-mlp' }), 20);
  assert.equal(latent({ model: 'cvae' }), 2);
  for (const model of ['gan-mlp', 'dcgan', 'wgan-gp', 'cgan'] as const) assert.equal(latent({ model }), 100, model);
  assert.equal(latent({ model: 'cvae', latent: 8 }), 8);
  assert.equal(latent({ model: 'dcgan' }, { latent: 16 }), 16);
});

test('GANs train on grey levels unless told otherwise (binarized reals would teach speckles)', () => {
  assert.equal(train.resolveConfig({}, { model: 'dcgan' }).binarize, 'none');
  assert.equal(train.resolveConfig({}, { model: 'vae-mlp' }).binarize, 'dynamic');
  assert.equal(train.resolveConfig({}, { model: 'cgan', binarize: 'static' }).binarize, 'static');
});

/**
 * The model interface from outside src/: a small linear VAE declared here, in the test, is
 * registered and then trained, evaluated (ELBO and importance-weighted NLL), sampled, drawn and
 * exported to ONNX by the library's own code, with nothing in src/ knowing of it. Its options
 * reach the configuration, the --help text and the checks; its metrics reach metrics.jsonl and
 * the epoch line; its capabilities decide what works and what is refused.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { configHelp } from '../src/cli/config-flags.js';
import { epochLine } from '../src/cli/epoch-line.js';
import { evaluateRun } from '../src/eval/evaluate-run.js';
import { need, standardNormal, type Capabilities } from '../src/models/capabilities.js';
import { latentOption } from '../src/models/common/options.js';
import { defineModel, type Batch, type Model, type StepContext, type Sums } from '../src/models/model.js';
import { registerModel, unregisterModel } from '../src/models/registry.js';
import { Linear } from '../src/nn/linear.js';
import { Module } from '../src/nn/module.js';
import { noGrad } from '../src/tensor/autograd.js';
import { randnLike } from '../src/tensor/create.js';
import { binaryCrossEntropyWithLogits } from '../src/tensor/functional.js';
import { tidy } from '../src/tensor/scope.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { resolveConfig } from '../src/train/config.js';
import { withOpenRun } from '../src/train/open-run.js';
import { readMetrics } from '../src/train/run-dir.js';
import { opt } from '../src/util/options.js';
import { sampleImages } from '../src/inference/latent.js';
import { trainRun } from '../src/workflow/train-run.js';
import { tempDir } from './helpers.js';
import { compareWithOnnx } from './onnx-compare.js';

const tmp = tempDir('interface');
after(() => unregisterModel('tiny-linear-vae'));

/** A VAE whose encoder and decoder are single linear layers, with its own ELBO written out here. */
class TinyLinearVae extends Module implements Model {
  readonly modelName = 'tiny-linear-vae';
  readonly numClasses = 0;
  readonly variance = 'logvar';
  readonly mu: Linear;
  readonly lv: Linear;
  readonly dec: Linear;

  constructor(
    readonly latentDim: number,
    readonly imageShape: [number, number, number],
    initScale: number,
  ) {
    super();
    const d = imageShape.reduce((a, b) => a * b, 1);
    this.mu = this.module('mu', new Linear(d, latentDim));
    this.lv = this.module('lv', new Linear(d, latentDim));
    this.dec = this.module('dec', new Linear(latentDim, d));
    noGrad(() => {
      for (const p of this.parameters()) p.mul_(initScale);
    });
  }

  get capabilities(): Capabilities {
    return { encoder: this, decoder: this, posterior: this, prior: standardNormal(this.latentDim), likelihood: this };
  }
  parameterGroups(): Record<string, Tensor[]> {
    return { model: this.parameters() };
  }

  posterior(x: Tensor): { mu: Tensor; logvar: Tensor } {
    const flat = x.reshape(x.size(0), -1);
    return { mu: this.mu.forward(flat), logvar: this.lv.forward(flat) };
  }
  encode(x: Tensor): { mu: Tensor; logvar: Tensor | null } {
    return this.posterior(x);
  }
  #logits(z: Tensor): Tensor {
    return this.dec.forward(z);
  }
  decode(z: Tensor): Tensor {
    return this.#logits(z)
      .sigmoid()
      .reshape(z.size(0), ...this.imageShape);
  }
  reconNll(z: Tensor, x: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(this.#logits(z), x.reshape(x.size(0), -1), 'none').sum(1);
  }
  reconNllSamples(z: Tensor, x: Tensor, n: number): Tensor {
    const b = x.size(0);
    return this.reconNll(z, x.repeat(n, 1, 1, 1)).reshape(n, b);
  }
  #terms(x: Tensor): { recon: Tensor; kl: Tensor } {
    const { mu, logvar } = this.posterior(x);
    const z = mu.add(logvar.mul(0.5).exp().mul(randnLike(mu)));
    const kl = logvar.add(1).sub(mu.square()).sub(logvar.exp()).sum().mul(-0.5);
    return { recon: this.reconNll(z, x).sum(), kl };
  }
  trainingStep(b: Batch, ctx: StepContext): Sums {
    const { recon, kl } = this.#terms(b.x);
    const loss = recon.add(kl);
    ctx.step('model', loss.div(b.x.size(0)));
    return { negElbo: loss.item(), recon: recon.item(), kl: kl.item() };
  }
  validationStep(b: Batch): Sums {
    const { recon, kl } = this.#terms(b.x);
    return { negElbo: recon.add(kl).item(), recon: recon.item(), kl: kl.item() };
  }
}

const tiny = defineModel({
  name: 'tiny-linear-vae',
  description: 'a VAE of three linear layers, declared in a test',
  options: {
    latent: latentOption(3),
    initScale: opt.num(1, { above: 0, help: 'scale of the initial weights', arg: 'x' }),
  },
  metrics: [
    { key: 'negElbo', label: '-ELBO', unit: 'nats', direction: 'min', digits: 2 },
    { key: 'recon', label: 'recon', unit: 'nats', direction: 'min', digits: 2 },
    { key: 'kl', label: 'KL', unit: 'nats', direction: null, digits: 2 },
  ],
  monitor: 'negElbo',
  build: (o, ctx) => new TinyLinearVae(o.latent, ctx.imageShape, o.initScale),
});

test('a model declared in a test trains, evaluates, samples, draws and exports through the library', async () => {
  registerModel(tiny);
  assert.throws(() => registerModel(tiny), /already registered/);
  // Its options are configuration like any other: defaults, checks, help, refusal of other models' keys.
  const config = resolveConfig(
    {},
    { model: 'tiny-linear-vae', limit: 512, epochs: 3, batchSize: 64, threads: 1, initScale: 0.5 },
  );
  assert.deepEqual([config.latent, config.initScale, config.binarize], [3, 0.5, 'dynamic']);
  assert.throws(() => resolveConfig({}, { model: 'tiny-linear-vae', initScale: 0 }), /'initScale' must be above 0/);
  assert.throws(
    () => resolveConfig({}, { model: 'tiny-linear-vae', hidden: 8 }),
    /'hidden' does not apply to tiny-linear-vae/,
  );
  assert.throws(() => resolveConfig({}, { model: 'vae-mlp', initScale: 2 }), /it is an option of tiny-linear-vae/);
  const help = configHelp('tiny-linear-vae');
  assert.match(help, /tiny-linear-vae's options[\s\S]*--init-scale <x>\s+scale of the initial weights \(default: 1\)/);
  assert.match(help, /tiny-linear-vae\s+a VAE of three linear layers, declared in a test/);

  const dir = join(tmp, 'run');
  const lines: string[] = [];
  const result = await trainRun(config, dir, {
    callbacks: { onEpochEnd: (r, extras) => void lines.push(epochLine(tiny.metrics, r, extras)) },
  });
  assert.equal(result.epochsDone, 3);
  const metrics = readMetrics(dir);
  assert.deepEqual(
    metrics.map((m) => m.epoch),
    [1, 2, 3],
  );
  assert.ok(metrics[2]!.train_neg_elbo! < metrics[0]!.train_neg_elbo!, 'the training loss falls');
  assert.ok(metrics[2]!.test_neg_elbo! < metrics[0]!.test_neg_elbo!, 'the test -ELBO falls');
  assert.match(lines[2]!, /^epoch 3: train -ELBO [\d.]+ \(recon [\d.]+, KL [\d.]+\), test -ELBO [\d.]+ nats; /);
  for (const f of ['samples.png', 'reconstructions.png', 'latent-map.png', 'curves.png', 'progress.gif'])
    assert.ok(existsSync(join(dir, f)), f);

  await withOpenRun(dir, async (run) => {
    assert.ok(run.model instanceof TinyLinearVae);
    const e = await evaluateRun(run, { k: 50, limit: 200 });
    assert.equal(e.model, 'tiny-linear-vae');
    assert.ok(Math.abs(e.test_neg_elbo - metrics[2]!.test_neg_elbo!) < 15, `eval's -ELBO ${e.test_neg_elbo}`);
    assert.ok(e.iw_nll! <= e.test_neg_elbo + 1, `IW NLL ${e.iw_nll} against -ELBO ${e.test_neg_elbo}`);
    const images = tidy(() => sampleImages(run.model, 6));
    assert.deepEqual(images.shape, [6, 1, 28, 28]);
    images.dispose();
    await compareWithOnnx(run.model);
    assert.throws(
      () => need(run.model, 'discriminator', 'this'),
      /this needs a discriminator; tiny-linear-vae has none \(it offers: decoder, encoder, posterior, prior, likelihood\)/,
    );
  });
});

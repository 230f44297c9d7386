/**
 * The shared skeleton of latentlab's GANs: a generator network ending in tanh and a
 * discriminator (or critic) ending in one logit. Images outside are in [0, 1]; inside, both
 * networks work in [-1, 1], as DCGAN does. Conditional models append the one-hot label to the
 * generator's z and to the discriminator's flat input.
 */
import { Module, type Layer } from '../../nn/module.js';
import { normalInit } from '../../nn/init.js';
import { noGrad } from '../../tensor/autograd.js';
import { randn } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import { withLabels } from '../common/latent-model.js';
import { standardNormal, type Capabilities } from '../capabilities.js';
import type { Batch, Model, StepContext, Sums } from '../model.js';
import { gradientPenalty, nonSaturating, type GanLoss } from './losses.js';

/** The settings every GAN takes. */
export interface AdversarialOptions {
  /** Latent dimensions of the generator's input. */
  latent: number;
  /** [C, H, W] of the images. */
  imageShape: [number, number, number];
  /** The GAN loss (default nonSaturating). */
  loss?: GanLoss;
  /** Discriminator (critic) steps per generator step. */
  nCritic?: number;
  numClasses?: number;
}

/**
 * GAN training (Goodfellow et al. 2014; Gulrajani et al. 2017): each batch, a discriminator
 * step on real images and generated ones; every nCritic batches, a generator step through the
 * updated discriminator. Conditional models generate with the batch's own labels.
 */
export abstract class AdversarialBase extends Module implements Model {
  abstract readonly modelName: string;
  readonly latentDim: number;
  readonly imageShape: [number, number, number];
  readonly numClasses: number;
  readonly loss: GanLoss;
  readonly nCritic: number;
  abstract readonly generator: Layer;
  abstract readonly discriminator: Layer;

  constructor(o: AdversarialOptions) {
    super();
    if (!(Number.isInteger(o.latent) && o.latent > 0))
      throw new RangeError(`latent size must be a positive integer, got ${o.latent}`);
    this.latentDim = o.latent;
    this.imageShape = o.imageShape;
    this.loss = o.loss ?? nonSaturating;
    this.nCritic = o.nCritic ?? 1;
    this.numClasses = o.numClasses ?? 0;
  }

  get capabilities(): Capabilities {
    return {
      decoder: this,
      prior: standardNormal(this.latentDim),
      discriminator: this,
      ...(this.numClasses ? { conditional: { numClasses: this.numClasses } } : {}),
    };
  }

  parameterGroups(): Record<string, Tensor[]> {
    return { generator: this.generator.parameters(), discriminator: this.discriminator.parameters() };
  }

  trainingStep(batch: Batch, ctx: StepContext): Sums {
    const { x, iteration } = batch;
    const labels = this.numClasses ? batch.y : undefined;
    const b = x.size(0);
    const fake = this.decode(randn([b, this.latentDim]), labels);
    const dReal = this.critic(x, labels);
    const dFake = this.critic(fake.detach(), labels);
    const d = this.loss.discriminatorLoss(dReal, dFake, () =>
      gradientPenalty((v) => this.critic(v, labels), x, fake.detach()),
    );
    ctx.step('discriminator', d.loss);
    const gp = d.penalty;
    const sums: Sums = noGrad(() => ({
      dLoss: d.loss.item() * b,
      gLoss: this.loss.generatorLoss(dFake).item() * b,
      dReal: this.loss.readout(dReal).mean().item() * b,
      dFake: this.loss.readout(dFake).mean().item() * b,
      ...(gp ? { wasserstein: dReal.mean().sub(dFake.mean()).item() * b, gradientPenalty: gp.item() * b } : {}),
    }));
    if (iteration % this.nCritic === 0) ctx.step('generator', this.loss.generatorLoss(this.critic(fake, labels)));
    return sums;
  }

  /** Feeds what the generator's first layer takes: z, with the one-hot label for conditional models. */
  protected generatorInput(z: Tensor, y: Tensor | undefined): Tensor {
    return withLabels(z, y, this.numClasses, this.modelName);
  }

  /** Feeds what the discriminator's first layer takes from images in [-1, 1]. */
  protected discriminatorInput(x: Tensor, y: Tensor | undefined): Tensor {
    return this.numClasses ? withLabels(x.reshape(x.size(0), -1), y, this.numClasses, this.modelName) : x;
  }

  /** The generator's images for z [B, latent]: [B, C, H, W], its [-1, 1] output mapped to [0, 1]. */
  decode(z: Tensor, y?: Tensor): Tensor {
    return this.generator
      .forward(this.generatorInput(z, y))
      .add(1)
      .mul(0.5)
      .reshape(z.size(0), ...this.imageShape);
  }

  /** The discriminator's raw output (logit or critic value) for images x [B, C, H, W] in [0, 1]: [B]. */
  critic(x: Tensor, y?: Tensor): Tensor {
    return this.discriminator.forward(this.discriminatorInput(x.mul(2).sub(1), y)).reshape(-1);
  }

  /** DCGAN's initialisation: weights N(0, 0.02), batch-norm scales N(1, 0.02), biases 0. */
  protected initDcgan(): void {
    for (const [name, p] of this.namedParameters()) {
      if (name.endsWith('bias')) noGrad(() => p.zero_());
      else if (p.ndim === 1) normalInit(p, 1, 0.02);
      else normalInit(p, 0, 0.02);
    }
  }
}

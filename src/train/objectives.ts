/**
 * What one training step does, per model family, so that one trainer (epochs, checkpoints,
 * resume, stop) serves both. The VAE objective minimises the negative ELBO with one
 * optimizer; the adversarial one alternates a discriminator (critic) step and a generator
 * step with two optimizers. Metrics are sums over a batch's images, keyed in camelCase; the
 * trainer divides by the images seen and records them as train_<snake_case>.
 */
import type { BatchLoader } from '../data/loader.js';
import { asLatentModel, type AdversarialModel, type AnyModel, type GenerativeModel } from '../models/types.js';
import { gradientPenalty } from '../models/gan/losses.js';
import { noGrad } from '../tensor/autograd.js';
import { onesLike, randn, zerosLike } from '../tensor/create.js';
import { binaryCrossEntropyWithLogits } from '../tensor/functional.js';
import type { Optimizer, OptimizerState } from '../tensor/optim/optimizer.js';
import { withSeed } from '../tensor/runtime.js';
import { disposeAll, tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { criticSteps, type RunConfig } from './config.js';
import { klWeight } from './schedules.js';

/** Sums over a batch's images, by metric name. */
export type Sums = Record<string, number>;

/** What the trainer needs of an optimizer (one, or a generator/discriminator pair). */
export interface TrainableOptimizer {
  lr: number;
  stateDict(): Record<string, Tensor>;
  loadStateDict(dict: Record<string, Tensor>): void;
  dispose(): void;
}

export interface Objective {
  /** The metric shown first on progress bars (the loss). */
  readonly headline: string;
  /** The validation metric early stopping watches (null: none, as for GANs). */
  readonly monitor: string | null;
  /** One optimisation step on a batch; `t` is the time in epochs, `iteration` counts steps from 0 over the run. */
  step(x: Tensor, y: Tensor, t: number, iteration: number): Sums;
  /** Per-image metrics of a pass without gradients, or null if the objective has none. */
  evaluate(loader: BatchLoader): Sums | null;
  /** Values recorded with each epoch beside the metrics (the KL weight). */
  epochValues(t: number): Record<string, number>;
}

/** Seed of the fixed binarization and sampling noise used for evaluation, apart from training's. */
export const EVAL_SEED = 20240611;

/** One VAE optimisation step; returns the batch's summed loss terms. */
export function trainStep(model: GenerativeModel, opt: Optimizer, x: Tensor, beta: number, y?: Tensor): Sums {
  return tidy(() => {
    const t = model.lossTerms(x, beta, y);
    opt.zeroGrad();
    t.loss.div(x.size(0)).backward();
    opt.step();
    return { loss: t.loss.item(), negElbo: t.negElbo.item(), recon: t.recon.item(), kl: t.kl.item() };
  });
}

/** Loss terms of a batch without gradients. */
export function evalStep(model: GenerativeModel, x: Tensor, beta = 1, y?: Tensor): Sums {
  return noGrad(() =>
    tidy(() => {
      const t = model.lossTerms(x, beta, y);
      return { loss: t.loss.item(), negElbo: t.negElbo.item(), recon: t.recon.item(), kl: t.kl.item() };
    }),
  );
}

/** Adds a batch's sums into running sums. */
export function accumulate(into: Sums, batch: Sums): void {
  for (const [k, v] of Object.entries(batch)) into[k] = (into[k] ?? 0) + v;
}

/**
 * Average loss terms over a loader in eval mode. Dynamic binarization and the VAE's sampling
 * use a fixed seed (the caller's RNG state is restored), so numbers compare across epochs.
 */
export function evaluate(model: GenerativeModel, loader: BatchLoader): Sums & { images: number; seconds: number } {
  const wasTraining = model.training;
  model.eval();
  const t0 = performance.now();
  const sums: Sums = {};
  let images = 0;
  try {
    withSeed(EVAL_SEED, () => {
      for (const b of loader.epoch()) {
        const { x, y } = b.load();
        accumulate(
          sums,
          tidy(() => evalStep(model, x, 1, model.numClasses ? y : undefined)),
        );
        images += b.size;
      }
    });
  } finally {
    model.train(wasTraining);
  }
  const perImage = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / Math.max(1, images)]));
  return { ...perImage, images, seconds: (performance.now() - t0) / 1000 };
}

export class VaeObjective implements Objective {
  readonly headline = 'loss';
  readonly monitor = 'negElbo';
  constructor(
    readonly config: RunConfig,
    readonly model: GenerativeModel,
    readonly optimizer: Optimizer,
  ) {}
  step(x: Tensor, y: Tensor, t: number): Sums {
    return trainStep(this.model, this.optimizer, x, klWeight(this.config, t), this.model.numClasses ? y : undefined);
  }
  evaluate(loader: BatchLoader): Sums {
    const { images: _i, seconds: _s, ...perImage } = evaluate(this.model, loader);
    return perImage;
  }
  epochValues(t: number): Record<string, number> {
    return { beta: klWeight(this.config, t) };
  }
}

/** The generator's and the discriminator's optimizers, saved and scheduled together. */
export class OptimizerPair implements TrainableOptimizer {
  constructor(
    readonly generator: Optimizer,
    readonly discriminator: Optimizer,
  ) {}
  get lr(): number {
    return this.generator.lr;
  }
  set lr(v: number) {
    this.generator.lr = v;
    this.discriminator.lr = v;
  }
  stateDict(): Record<string, Tensor> {
    const prefixed = (p: string, d: OptimizerState): [string, Tensor][] =>
      Object.entries(d).map(([k, v]) => [`${p}.${k}`, v]);
    return Object.fromEntries([
      ...prefixed('generator', this.generator.stateDict()),
      ...prefixed('discriminator', this.discriminator.stateDict()),
    ]);
  }
  /** Loads both parts, or neither: a bad discriminator part restores the generator's state. */
  loadStateDict(dict: Record<string, Tensor>): void {
    const stray = Object.keys(dict).find((k) => !k.startsWith('generator.') && !k.startsWith('discriminator.'));
    if (stray)
      throw new Error(
        `optimizer state key '${stray}' belongs to neither the generator nor the discriminator: the checkpoint is not from a GAN run`,
      );
    const part = (p: string): Record<string, Tensor> =>
      Object.fromEntries(
        Object.entries(dict).flatMap(([k, v]) => (k.startsWith(`${p}.`) ? [[k.slice(p.length + 1), v]] : [])),
      );
    const before = tidy(() =>
      Object.fromEntries(Object.entries(this.generator.stateDict()).map(([k, v]) => [k, v.clone()])),
    );
    try {
      this.generator.loadStateDict(part('generator'));
      this.discriminator.loadStateDict(part('discriminator'));
    } catch (e) {
      this.generator.loadStateDict(before);
      throw e;
    } finally {
      disposeAll(before);
    }
  }
  dispose(): void {
    this.generator.dispose();
    this.discriminator.dispose();
  }
}

/**
 * GAN training (Goodfellow et al. 2014; Gulrajani et al. 2017): each batch, a discriminator
 * step on real images and generated ones; every nCritic batches, a generator step through the
 * updated discriminator. Conditional models generate with the batch's own labels.
 */
export class AdversarialObjective implements Objective {
  readonly headline = 'dLoss';
  readonly monitor = null;
  constructor(
    readonly config: RunConfig,
    readonly model: AdversarialModel,
    readonly optimizers: OptimizerPair,
  ) {}

  step(x: Tensor, y: Tensor, _t: number, iteration: number): Sums {
    const m = this.model;
    const labels = m.numClasses ? y : undefined;
    const wasserstein = m.loss === 'wasserstein-gp';
    return tidy(() => {
      const b = x.size(0);
      const fake = m.decode(randn([b, m.latentDim]), labels);
      const dReal = m.critic(x, labels);
      const dFake = m.critic(fake.detach(), labels);
      let dLoss: Tensor;
      let gp: Tensor | null = null;
      if (wasserstein) {
        gp = gradientPenalty((v) => m.critic(v, labels), x, fake.detach());
        dLoss = dFake.mean().sub(dReal.mean()).add(gp.mul(this.config.gpWeight));
      } else {
        dLoss = binaryCrossEntropyWithLogits(dReal, onesLike(dReal)).add(
          binaryCrossEntropyWithLogits(dFake, zerosLike(dFake)),
        );
      }
      const d = this.optimizers.discriminator;
      d.zeroGrad();
      dLoss.backward();
      d.step();
      const sums: Sums = noGrad(() => ({
        dLoss: dLoss.item() * b,
        gLoss: this.#generatorLoss(dFake).item() * b,
        dReal: (wasserstein ? dReal : dReal.sigmoid()).mean().item() * b,
        dFake: (wasserstein ? dFake : dFake.sigmoid()).mean().item() * b,
        ...(gp ? { wasserstein: dReal.mean().sub(dFake.mean()).item() * b, gradientPenalty: gp.item() * b } : {}),
      }));
      if (iteration % criticSteps(this.config) === 0) {
        const gLoss = this.#generatorLoss(m.critic(fake, labels));
        const g = this.optimizers.generator;
        g.zeroGrad();
        gLoss.backward();
        g.step();
      }
      return sums;
    });
  }

  /** The generator's loss from the discriminator's logits (critic values) on generated images. */
  #generatorLoss(dFake: Tensor): Tensor {
    switch (this.model.loss) {
      case 'nonsaturating':
        return binaryCrossEntropyWithLogits(dFake, onesLike(dFake)); // -log D(G(z))
      case 'minimax':
        return binaryCrossEntropyWithLogits(dFake, zerosLike(dFake)).neg(); // log(1 - D(G(z)))
      case 'wasserstein-gp':
        return dFake.mean().neg();
    }
  }

  evaluate(): null {
    return null;
  }

  epochValues(): Record<string, number> {
    return {};
  }
}

/** The objective a model is trained by. */
export function createObjective(config: RunConfig, model: AnyModel, optimizer: TrainableOptimizer): Objective {
  if (model.family === 'adversarial') {
    if (!(optimizer instanceof OptimizerPair))
      throw new Error(`${model.modelName} needs a generator and a discriminator optimizer`);
    return new AdversarialObjective(config, model, optimizer);
  }
  return new VaeObjective(config, asLatentModel(model, 'training'), optimizer as Optimizer);
}

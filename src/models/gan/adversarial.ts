/**
 * The shared skeleton of latentlab's GANs: a generator network ending in tanh and a
 * discriminator (or critic) ending in one logit. Images outside are in [0, 1]; inside, both
 * networks work in [-1, 1], as DCGAN does. Conditional models append the one-hot label to the
 * generator's z and to the discriminator's flat input.
 */
import { Module, type Layer } from '../../nn/module.js';
import { normalInit } from '../../nn/init.js';
import { noGrad } from '../../tensor/autograd.js';
import type { Tensor } from '../../tensor/tensor.js';
import { labelSteps, type ForwardPlan, type PlanStep } from '../common/forward-plan.js';
import { withLabels } from '../common/latent-model.js';
import type { AdversarialLoss, AdversarialModel } from '../types.js';

export interface AdversarialOptions {
  latent: number;
  imageShape: [number, number, number];
  loss: AdversarialLoss;
  numClasses?: number;
}

export abstract class AdversarialBase extends Module implements AdversarialModel {
  abstract readonly modelName: string;
  readonly family = 'adversarial' as const;
  readonly latentDim: number;
  readonly imageShape: [number, number, number];
  readonly numClasses: number;
  readonly loss: AdversarialLoss;
  abstract readonly generator: Layer;
  abstract readonly discriminator: Layer;

  constructor(o: AdversarialOptions) {
    super();
    if (!(Number.isInteger(o.latent) && o.latent > 0))
      throw new RangeError(`latent size must be a positive integer, got ${o.latent}`);
    this.latentDim = o.latent;
    this.imageShape = o.imageShape;
    this.loss = o.loss;
    this.numClasses = o.numClasses ?? 0;
  }

  /** Feeds what the generator's first layer takes: z, with the one-hot label for conditional models. */
  protected generatorInput(z: Tensor, y: Tensor | undefined): Tensor {
    return withLabels(z, y, this.numClasses, this.modelName);
  }

  /** Feeds what the discriminator's first layer takes from images in [-1, 1]. */
  protected discriminatorInput(x: Tensor, y: Tensor | undefined): Tensor {
    return this.numClasses ? withLabels(x.reshape(x.size(0), -1), y, this.numClasses, this.modelName) : x;
  }

  decode(z: Tensor, y?: Tensor): Tensor {
    return this.generator
      .forward(this.generatorInput(z, y))
      .add(1)
      .mul(0.5)
      .reshape(z.size(0), ...this.imageShape);
  }

  /** decode() as data, for exporters: z (and labels) to 'image'. */
  decoderPlan(): ForwardPlan {
    const steps: PlanStep[] = [
      ...labelSteps(this.numClasses),
      { module: 'generator' },
      { op: 'add', value: 1 },
      { op: 'mul', value: 0.5 },
    ];
    return {
      input: 'z',
      steps: [...steps, { op: 'reshape', shape: [...this.imageShape], as: 'image' }],
      outputs: { image: 'image' },
    };
  }

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

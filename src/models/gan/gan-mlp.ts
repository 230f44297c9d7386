/**
 * The original GAN (Goodfellow et al. 2014) with MLP networks, and its conditional form
 * (Mirza and Osindero 2014, `cgan`): the label joins z in the generator and the flattened
 * image in the discriminator. Generator: z -> h -> 2h -> pixels (batch norm, ReLU, tanh);
 * discriminator: pixels -> 2h -> h -> 1 logit (leaky ReLU 0.2).
 */
import { BatchNorm1d } from '../../nn/batchnorm.js';
import { Sequential } from '../../nn/container.js';
import { LeakyReLU, ReLU, Tanh } from '../../nn/activation.js';
import { Linear } from '../../nn/linear.js';
import { Flatten } from '../../nn/reshape.js';
import { AdversarialBase, type AdversarialOptions } from './adversarial.js';

export class GanMlp extends AdversarialBase {
  readonly modelName: string;
  readonly generator: Sequential;
  readonly discriminator: Sequential;

  constructor(o: AdversarialOptions & { hidden: number }) {
    super(o);
    this.modelName = this.numClasses ? 'cgan' : 'gan-mlp';
    const d = o.imageShape.reduce((a, b) => a * b, 1);
    const h = o.hidden;
    const k = this.numClasses;
    this.generator = this.module(
      'generator',
      new Sequential(
        new Linear(o.latent + k, h),
        new BatchNorm1d(h),
        new ReLU(),
        new Linear(h, 2 * h),
        new BatchNorm1d(2 * h),
        new ReLU(),
        new Linear(2 * h, d),
        new Tanh(),
      ),
    );
    this.discriminator = this.module(
      'discriminator',
      new Sequential(
        new Flatten(),
        new Linear(d + k, 2 * h),
        new LeakyReLU(0.2),
        new Linear(2 * h, h),
        new LeakyReLU(0.2),
        new Linear(h, 1),
      ),
    );
  }
}

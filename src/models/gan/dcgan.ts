/**
 * DCGAN (Radford et al. 2016): all-convolutional networks with stride-2 (transposed)
 * convolutions, batch norm, ReLU in the generator and leaky ReLU in the discriminator,
 * weights from N(0, 0.02). Sized from the image: 28x28 starts from 7x7, 32x32 and 64x64 from
 * 4x4, doubling per layer. With the Wasserstein loss (`wgan-gp`, Gulrajani et al. 2017) the
 * critic has no batch norm, which the gradient penalty's per-sample gradients forbid.
 */
import { BatchNorm2d } from '../../nn/batchnorm.js';
import { Sequential } from '../../nn/container.js';
import { Conv2d, ConvTranspose2d } from '../../nn/conv.js';
import { LeakyReLU, ReLU, Tanh } from '../../nn/activation.js';
import { Linear } from '../../nn/linear.js';
import type { Layer } from '../../nn/module.js';
import { Flatten, Unflatten } from '../../nn/reshape.js';
import { AdversarialBase, type AdversarialOptions } from './adversarial.js';

/** Up-sampling steps from the first feature map's side to the image's: 28 = 7 * 2^2, 32 = 4 * 2^3, 64 = 4 * 2^4. */
export function dcganGeometry(shape: [number, number, number]): { start: number; steps: number } {
  const [, h, w] = shape;
  if (h !== w) throw new RangeError(`dcgan needs square images, got ${h}x${w} (resize with --size)`);
  for (const start of [7, 4]) {
    const steps = Math.log2(h / start);
    if (Number.isInteger(steps) && steps >= 2) return { start, steps };
  }
  throw new RangeError(
    `dcgan is sized for 28x28, 32x32 or 64x64 images (7 or 4 times a power of two), got ${h}x${w}; resize with --size 32`,
  );
}

export class Dcgan extends AdversarialBase {
  readonly modelName: string;
  readonly generator: Sequential;
  readonly discriminator: Sequential;

  /** `width`: channels of the widest-resolution layer; each halving of the resolution doubles them. */
  constructor(o: AdversarialOptions & { width: number }) {
    super(o);
    if (this.numClasses) throw new RangeError('dcgan is unconditional; use cgan for a conditional GAN');
    this.modelName = o.loss?.name === 'wasserstein-gp' ? 'wgan-gp' : 'dcgan';
    const [c] = o.imageShape;
    const { start, steps } = dcganGeometry(o.imageShape);
    const ch = (i: number): number => o.width * 2 ** i; // channels at i halvings below the image size
    const top = ch(steps - 1);
    const g: Layer[] = [
      new Linear(o.latent, top * start * start, { bias: false }),
      new Unflatten(1, [top, start, start]),
      new BatchNorm2d(top),
      new ReLU(),
    ];
    for (let i = steps - 1; i > 0; i--)
      g.push(
        new ConvTranspose2d(ch(i), ch(i - 1), 4, { stride: 2, padding: 1, bias: false }),
        new BatchNorm2d(ch(i - 1)),
        new ReLU(),
      );
    g.push(new ConvTranspose2d(ch(0), c, 4, { stride: 2, padding: 1 }), new Tanh());
    const batchNorm = o.loss?.name !== 'wasserstein-gp';
    const d: Layer[] = [new Conv2d(c, ch(0), 4, { stride: 2, padding: 1 }), new LeakyReLU(0.2)];
    for (let i = 1; i < steps; i++) {
      d.push(new Conv2d(ch(i - 1), ch(i), 4, { stride: 2, padding: 1, bias: !batchNorm }));
      if (batchNorm) d.push(new BatchNorm2d(ch(i)));
      d.push(new LeakyReLU(0.2));
    }
    d.push(new Flatten(), new Linear(top * start * start, 1));
    this.generator = this.module('generator', new Sequential(...g));
    this.discriminator = this.module('discriminator', new Sequential(...d));
    this.initDcgan();
  }
}

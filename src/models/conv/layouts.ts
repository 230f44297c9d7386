/**
 * Convolutional encoder and decoder bodies, shared by ae-conv and vae-conv:
 *   strided: Conv(C,32,4,s2,p1)-ReLU-Conv(32,64,4,s2,p1)-ReLU, mirrored by transposed convolutions
 *            (the layout of bench/reference/torch_vae.py; H and W divisible by 4)
 *   keras:   Conv 16-8-8 with 3x3 kernels and 2x2 max-pooling (28 -> 14 -> 7 -> 4), mirrored with
 *            up-sampling (4 -> 8 -> 16 -> 14 by a valid convolution -> 28), as in the Keras
 *            blog's convolutional autoencoder (28x28 images only)
 * The encoder ends in a feature map, flattened; the decoder starts from one.
 */
import { ReLU } from '../../nn/activation.js';
import { Sequential } from '../../nn/container.js';
import { Conv2d, ConvTranspose2d } from '../../nn/conv.js';
import { MaxPool2d, Upsample } from '../../nn/pooling.js';
import { Flatten } from '../../nn/reshape.js';

export type ConvLayout = 'strided' | 'keras';

export interface ConvBodies {
  encoder: Sequential;
  decoder: Sequential;
  /** [channels, height, width] of the feature map between them. */
  features: [number, number, number];
}

export function convBodies(layout: ConvLayout, [c, h, w]: [number, number, number]): ConvBodies {
  if (layout === 'strided') {
    if (h % 4 || w % 4)
      throw new RangeError(
        `the strided conv layout needs a height and width divisible by 4, got ${h}x${w} (resize with --size)`,
      );
    return {
      encoder: new Sequential(
        new Conv2d(c, 32, 4, { stride: 2, padding: 1 }),
        new ReLU(),
        new Conv2d(32, 64, 4, { stride: 2, padding: 1 }),
        new ReLU(),
        new Flatten(),
      ),
      decoder: new Sequential(
        new ConvTranspose2d(64, 32, 4, { stride: 2, padding: 1 }),
        new ReLU(),
        new ConvTranspose2d(32, c, 4, { stride: 2, padding: 1 }),
      ),
      features: [64, h / 4, w / 4],
    };
  }
  if (h !== 28 || w !== 28)
    throw new RangeError(`the keras conv layout is made for 28x28 images, got ${h}x${w} (use --layout strided)`);
  const pool = (): MaxPool2d => new MaxPool2d(2, { ceilMode: true }); // Keras 'same' pooling: 7 -> 4
  return {
    encoder: new Sequential(
      new Conv2d(c, 16, 3, { padding: 1 }),
      new ReLU(),
      pool(),
      new Conv2d(16, 8, 3, { padding: 1 }),
      new ReLU(),
      pool(),
      new Conv2d(8, 8, 3, { padding: 1 }),
      new ReLU(),
      pool(),
      new Flatten(),
    ),
    decoder: new Sequential(
      new Conv2d(8, 8, 3, { padding: 1 }),
      new ReLU(),
      new Upsample({ scaleFactor: 2 }),
      new Conv2d(8, 8, 3, { padding: 1 }),
      new ReLU(),
      new Upsample({ scaleFactor: 2 }),
      new Conv2d(8, 16, 3),
      new ReLU(),
      new Upsample({ scaleFactor: 2 }),
      new Conv2d(16, c, 3, { padding: 1 }),
    ),
    features: [8, 4, 4],
  };
}

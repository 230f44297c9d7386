/**
 * VQ-VAE's convolutional encoder and decoder for small images (H and W divisible by 4), after
 * the paper's (van den Oord et al. 2017, sec. 4.1: two stride-2 4x4 convolutions down, two
 * stride-2 transposed convolutions up), without its residual blocks to keep CPU training quick:
 *   encoder  Conv(C, w, 4, s2, p1) - ReLU - Conv(w, w, 4, s2, p1) - ReLU - Conv(w, D, 1)
 *   decoder  Conv(D, w, 3, p1) - ReLU - ConvT(w, w, 4, s2, p1) - ReLU - ConvT(w, C, 4, s2, p1)
 * so a 28x28 image becomes a 7x7 grid of D-dimensional vectors, one code each.
 */
import { ReLU } from '../../nn/activation.js';
import { Sequential } from '../../nn/container.js';
import { Conv2d, ConvTranspose2d } from '../../nn/conv.js';

/** [rows, columns] of the code grid of images [C, H, W]; a clear error unless H and W are divisible by 4. */
export function codeGrid([, h, w]: [number, number, number]): [number, number] {
  if (h % 4 || w % 4)
    throw new RangeError(`vq-vae needs a height and width divisible by 4, got ${h}x${w} (resize with --size)`);
  return [h / 4, w / 4];
}

export function vqEncoder(channels: number, width: number, codeDim: number): Sequential {
  return new Sequential(
    new Conv2d(channels, width, 4, { stride: 2, padding: 1 }),
    new ReLU(),
    new Conv2d(width, width, 4, { stride: 2, padding: 1 }),
    new ReLU(),
    new Conv2d(width, codeDim, 1),
  );
}

export function vqDecoder(channels: number, width: number, codeDim: number): Sequential {
  return new Sequential(
    new Conv2d(codeDim, width, 3, { padding: 1 }),
    new ReLU(),
    new ConvTranspose2d(width, width, 4, { stride: 2, padding: 1 }),
    new ReLU(),
    new ConvTranspose2d(width, channels, 4, { stride: 2, padding: 1 }),
  );
}

/**
 * How sharp images are: the mean gradient magnitude, sqrt(dx^2 + dy^2) of forward differences
 * of neighbouring pixels (in [0, 1]), averaged over pixels and images. Blur lowers it, so a
 * decoder's reconstructions can be compared with the originals and with another decoder's.
 */
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';

/** Mean gradient magnitude of float images [B, C, H, W] in [0, 1]. */
export function meanGradientMagnitude(images: Tensor): number {
  if (images.ndim !== 4) throw new RangeError(`expected images [B, C, H, W], got shape [${images.shape}]`);
  const [, , h, w] = images.shape as [number, number, number, number];
  return tidy(() => {
    const x = images.slice(2, 0, h - 1).slice(3, 0, w - 1);
    const dx = images
      .slice(2, 0, h - 1)
      .slice(3, 1, w)
      .sub(x);
    const dy = images
      .slice(2, 1, h)
      .slice(3, 0, w - 1)
      .sub(x);
    return dx.square().add(dy.square()).sqrt().mean().item();
  });
}

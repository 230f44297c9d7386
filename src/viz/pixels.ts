/** From model outputs to pixels: float images in [0, 1] as uint8, channel-first. */
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';

/** uint8 pixels of float images [B, C, H, W] in [0, 1] (clamped, rounded), with their shape. */
export function toPixels(images: Tensor): { pixels: Uint8Array; shape: [number, number, number, number] } {
  if (images.ndim !== 4) throw new RangeError(`expected images [B, C, H, W], got shape [${images.shape}]`);
  const pixels = tidy(() => images.detach().clamp(0, 1).mul(255).round().to('uint8').toTypedArray()) as Uint8Array;
  return { pixels, shape: images.shape as [number, number, number, number] };
}

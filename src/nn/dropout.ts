/**
 * Dropout, as torch.nn.Dropout: in training each element is zeroed with probability p and
 * the rest are scaled by 1 / (1 - p); in eval it is the identity.
 */
import { dropout } from '../tensor/functional.js';
import type { Tensor } from '../tensor/tensor.js';
import { Layer } from './module.js';

/** Zeroes elements with probability p (default 0.5) in training, scaling the rest by 1 / (1 - p). */
export class Dropout extends Layer {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: probability has to be between 0 and 1, but got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}

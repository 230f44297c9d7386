/**
 * Shape layers: Flatten and Unflatten as torch.nn.Flatten and torch.nn.Unflatten, and
 * Reshape as Keras's Reshape (the batch dimension is kept: Reshape(64, 7, 7) maps
 * [N, 3136] to [N, 64, 7, 7]; it is torch.nn.Unflatten(1, [64, 7, 7]) for flat input).
 * None of them has parameters.
 */
import type { Tensor } from '../tensor/tensor.js';
import { Layer } from './module.js';

/** Merges dimensions startDim..endDim (default 1..-1): [N, C, H, W] -> [N, C*H*W], as torch.nn.Flatten. */
export class Flatten extends Layer {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
}

/** Splits dimension `dim` into `sizes`, as torch.nn.Unflatten. */
export class Unflatten extends Layer {
  constructor(
    readonly dim: number,
    readonly sizes: number[],
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    const s = x.shape;
    const d = this.dim < 0 ? this.dim + s.length : this.dim;
    if (d < 0 || d >= s.length) throw new RangeError(`Unflatten: dim ${this.dim} is out of range for shape [${s}]`);
    return x.reshape(...s.slice(0, d), ...this.sizes, ...s.slice(d + 1));
  }
}

/** Reshapes each example to `shape`, keeping the batch dimension, as Keras's Reshape. */
export class Reshape extends Layer {
  readonly shape: number[];
  constructor(...shape: number[]) {
    super();
    if (shape.filter((n) => n === -1).length > 1) throw new RangeError('Reshape: at most one dimension may be -1');
    this.shape = shape;
  }
  forward(x: Tensor): Tensor {
    return x.reshape(x.size(0), ...this.shape);
  }
}

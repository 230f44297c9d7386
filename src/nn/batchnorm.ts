/**
 * Batch normalisation, as torch.nn.BatchNorm1d and torch.nn.BatchNorm2d (their _BatchNorm
 * base): parameters weight (ones) and bias (zeros); buffers running_mean (zeros),
 * running_var (ones) and num_batches_tracked (int64 scalar). In training, batch statistics
 * normalise and ATen's batch_norm updates the running estimates in place (the variance with
 * the unbiased estimate); in eval the running estimates normalise. momentum null gives
 * PyTorch's cumulative average (factor 1 / num_batches_tracked).
 */
import { ones, zeros } from '../tensor/create.js';
import { batchNorm } from '../tensor/functional.js';
import type { Tensor } from '../tensor/tensor.js';
import { Layer } from './module.js';

/** BatchNorm's settings, as PyTorch's (eps 1e-5, momentum 0.1, affine and trackRunningStats true). */
export interface BatchNormOptions {
  eps?: number;
  /** Weight of the new batch in the running estimates; null for a cumulative average. */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

abstract class BatchNormBase extends Layer {
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;

  constructor(
    readonly numFeatures: number,
    opts: BatchNormOptions = {},
  ) {
    super();
    if (!(Number.isInteger(numFeatures) && numFeatures > 0))
      throw new RangeError(`${this.constructor.name}(${numFeatures}): numFeatures must be a positive integer`);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.weight = this.affine ? this.param('weight', ones([numFeatures])) : null;
    this.bias = this.affine ? this.param('bias', zeros([numFeatures])) : null;
    const track = this.trackRunningStats;
    this.runningMean = track ? this.buffer('running_mean', zeros([numFeatures])) : null;
    this.runningVar = track ? this.buffer('running_var', ones([numFeatures])) : null;
    this.numBatchesTracked = track ? this.buffer('num_batches_tracked', zeros([], { dtype: 'int64' })) : null;
  }

  /** Throws unless `x` has a rank this layer accepts. */
  protected abstract checkInput(x: Tensor): void;

  /** Sets the running estimates back to mean 0, variance 1, no batches. */
  resetRunningStats(): void {
    this.runningMean?.zero_();
    this.runningVar?.fill_(1);
    this.numBatchesTracked?.zero_();
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    if (x.size(1) !== this.numFeatures) {
      throw new RangeError(
        `${this.constructor.name}(${this.numFeatures}): input has ${x.size(1)} channels (shape [${x.shape}])`,
      );
    }
    // Batch statistics in training, and in eval when no running estimates are kept.
    const useBatch = this.training || !this.runningMean;
    if (useBatch && x.numel / x.size(1) <= 1) {
      throw new RangeError(
        `${this.constructor.name}: expected more than 1 value per channel when training, got input size [${x.shape}]`,
      );
    }
    let factor = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked) {
      this.numBatchesTracked.add_(1);
      if (this.momentum === null) factor = 1 / this.numBatchesTracked.item();
    }
    return batchNorm(x, this.runningMean, this.runningVar, {
      weight: this.weight,
      bias: this.bias,
      training: useBatch,
      momentum: factor,
      eps: this.eps,
    });
  }
}

/** torch.nn.BatchNorm1d: input [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNormBase {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3)
      throw new RangeError(`BatchNorm1d: expected 2D or 3D input (got ${x.ndim}D input)`);
  }
}

/** torch.nn.BatchNorm2d: input [N, C, H, W]. */
export class BatchNorm2d extends BatchNormBase {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new RangeError(`BatchNorm2d: expected 4D input (got ${x.ndim}D input)`);
  }
}

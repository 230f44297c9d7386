/**
 * Functions of several tensors and the neural-network functionals (PyTorch's
 * torch.nn.functional), each a call of the ATen operator of the same name.
 */
import { call, Reduction, type ReductionName, type Tensor } from './tensor.js';

type IntOrPair = number | [number, number];

function pair(v: IntOrPair): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

/** Concatenates along an existing dimension. */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  return call(
    'cat',
    tensors.map((t) => t.handle),
    dim,
  );
}
/** Stacks along a new dimension. */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  return call(
    'stack',
    tensors.map((t) => t.handle),
    dim,
  );
}
/** Elementwise `cond ? a : b`. */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof a === 'number' && typeof b === 'number') return call('where.Scalar', cond.handle, a, b);
  if (typeof a === 'number') return call('where.ScalarSelf', cond.handle, a, (b as Tensor).handle);
  if (typeof b === 'number') return call('where.ScalarOther', cond.handle, a.handle, b);
  return call('where.self', cond.handle, a.handle, b.handle);
}

/** y = x W^T + b (W is [out, in], as in torch.nn.Linear). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return call('linear', x.handle, weight.handle, bias?.handle ?? null);
}

/** conv2d's settings, as torch.nn.functional.conv2d's; a number means the same for height and width. */
export interface Conv2dOptions {
  /** Step between windows (default 1). */
  stride?: IntOrPair;
  /** Zeros added on each side (default 0). */
  padding?: IntOrPair;
  /** Spacing of the kernel's taps (default 1). */
  dilation?: IntOrPair;
  /** Channel groups (default 1). */
  groups?: number;
}
/** 2-D convolution of [N, C, H, W] input with a [out, C/groups, kH, kW] weight. */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: Conv2dOptions = {}): Tensor {
  return call(
    'conv2d',
    x.handle,
    weight.handle,
    bias?.handle ?? null,
    pair(o.stride ?? 1),
    pair(o.padding ?? 0),
    pair(o.dilation ?? 1),
    o.groups ?? 1,
  );
}
/** Transposed 2-D convolution; weight is [in, out/groups, kH, kW]. */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  o: Conv2dOptions & { outputPadding?: IntOrPair } = {},
): Tensor {
  return call(
    'conv_transpose2d.input',
    x.handle,
    weight.handle,
    bias?.handle ?? null,
    pair(o.stride ?? 1),
    pair(o.padding ?? 0),
    pair(o.outputPadding ?? 0),
    o.groups ?? 1,
    pair(o.dilation ?? 1),
  );
}

/** Pooling settings; a number means the same for height and width. */
export interface Pool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: IntOrPair;
  /** Padding on each side (default 0). */
  padding?: IntOrPair;
  /** Round the output size up rather than down. */
  ceilMode?: boolean;
}
/** Max pooling; the stride defaults to the kernel size. */
export function maxPool2d(x: Tensor, kernelSize: IntOrPair, o: Pool2dOptions & { dilation?: IntOrPair } = {}): Tensor {
  return call(
    'max_pool2d',
    x.handle,
    pair(kernelSize),
    pair(o.stride ?? kernelSize),
    pair(o.padding ?? 0),
    pair(o.dilation ?? 1),
    o.ceilMode ?? false,
  );
}
/** Average pooling of [N, C, H, W]; the stride defaults to the kernel size, padding counts in the average. */
export function avgPool2d(x: Tensor, kernelSize: IntOrPair, o: Pool2dOptions = {}): Tensor {
  return call(
    'avg_pool2d',
    x.handle,
    pair(kernelSize),
    pair(o.stride ?? kernelSize),
    pair(o.padding ?? 0),
    o.ceilMode ?? false,
  );
}

/** Resizes [N, C, H, W] by a scale factor or to a size: nearest (Keras's UpSampling2D) or bilinear. */
export function interpolate(
  x: Tensor,
  o: { scaleFactor?: number; size?: [number, number]; mode?: 'nearest' | 'bilinear'; alignCorners?: boolean },
): Tensor {
  if ((o.size === undefined) === (o.scaleFactor === undefined)) {
    throw new TypeError('interpolate: give exactly one of size and scaleFactor');
  }
  const size = o.size ?? null;
  const scales = o.scaleFactor === undefined ? null : [o.scaleFactor, o.scaleFactor];
  if ((o.mode ?? 'nearest') === 'nearest') return call('upsample_nearest2d.vec', x.handle, size, scales);
  return call('upsample_bilinear2d.vec', x.handle, size, o.alignCorners ?? false, scales);
}

/**
 * Batch normalisation over dimension 1. In training, batch statistics are used and the
 * running estimates (if given) are updated in place with `momentum`.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  o: { weight?: Tensor | null; bias?: Tensor | null; training?: boolean; momentum?: number; eps?: number } = {},
): Tensor {
  return call(
    'batch_norm',
    x.handle,
    o.weight?.handle ?? null,
    o.bias?.handle ?? null,
    runningMean?.handle ?? null,
    runningVar?.handle ?? null,
    o.training ?? false,
    o.momentum ?? 0.1,
    o.eps ?? 1e-5,
    true,
  );
}

/** Zeroes each element with probability p in training, scaling the rest by 1/(1-p). */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  return call('dropout', x.handle, p, training);
}

/** Rows of `weight` picked by integer `indices`. */
export function embedding(weight: Tensor, indices: Tensor): Tensor {
  return call('embedding', weight.handle, indices.handle, -1, false, false);
}

/** One-hot int64 encoding of integer labels. */
export function oneHot(labels: Tensor, numClasses: number): Tensor {
  return call('one_hot', labels.handle, numClasses);
}

/** Binary cross-entropy of logits against targets in [0, 1], computed stably. */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  target: Tensor,
  reduction: ReductionName = 'mean',
): Tensor {
  return call('binary_cross_entropy_with_logits', logits.handle, target.handle, null, null, Reduction[reduction]);
}
/** Binary cross-entropy of probabilities (ATen clamps the log at -100, as PyTorch does). */
export function binaryCrossEntropy(probs: Tensor, target: Tensor, reduction: ReductionName = 'mean'): Tensor {
  return call('binary_cross_entropy', probs.handle, target.handle, null, Reduction[reduction]);
}
/** Squared error (input - target)^2, averaged, summed or per element by `reduction`. */
export function mseLoss(input: Tensor, target: Tensor, reduction: ReductionName = 'mean'): Tensor {
  return call('mse_loss', input.handle, target.handle, Reduction[reduction]);
}
/** Cross-entropy of unnormalised class scores [N, C] against int64 labels [N]. */
export function crossEntropy(
  logits: Tensor,
  labels: Tensor,
  reduction: ReductionName = 'mean',
  labelSmoothing = 0,
): Tensor {
  return call('cross_entropy_loss', logits.handle, labels.handle, null, Reduction[reduction], -100, labelSmoothing);
}
/** log(softmax(x)) along `dim`, computed stably. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return x.logSoftmax(dim);
}
/** exp(x) normalised to sum to 1 along `dim`. */
export function softmax(x: Tensor, dim: number): Tensor {
  return x.softmax(dim);
}

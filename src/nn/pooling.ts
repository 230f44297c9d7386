/**
 * Pooling and resampling layers, as torch.nn.MaxPool2d, torch.nn.AvgPool2d and
 * torch.nn.Upsample. Keras's MaxPooling2D(2, padding='same') is MaxPool2d(2, { ceilMode:
 * true }): both give ceil(H / 2) outputs whose last window holds the last row alone (7 -> 4);
 * padding: 1 also gives 4 but shifts every window. Keras's UpSampling2D is
 * Upsample({ scaleFactor, mode: 'nearest' }), or mode 'bilinear' (half-pixel centres, i.e.
 * alignCorners false).
 */
import { avgPool2d, interpolate, maxPool2d } from '../tensor/functional.js';
import type { Tensor } from '../tensor/tensor.js';
import { pair, type IntOrPair } from './conv.js';
import { Layer } from './module.js';

/** Pooling settings, as torch.nn.MaxPool2d's and AvgPool2d's; a number means the same for height and width. */
export interface Pool2dOptions {
  /** Defaults to the kernel size. */
  stride?: IntOrPair;
  padding?: IntOrPair;
  /** Rounds the output size up, so that a partial window at the end is kept. */
  ceilMode?: boolean;
}

abstract class Pool2d extends Layer {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;
  constructor(kernelSize: IntOrPair, opts: Pool2dOptions) {
    super();
    this.kernelSize = pair(kernelSize);
    this.stride = pair(opts.stride ?? kernelSize);
    this.padding = pair(opts.padding ?? 0);
    this.ceilMode = opts.ceilMode ?? false;
    for (const i of [0, 1]) {
      if (this.padding[i]! > this.kernelSize[i]! / 2)
        throw new RangeError(`${this.constructor.name}: pad should be at most half of kernel size`);
    }
  }
}

/** Max pooling of [N, C, H, W], as torch.nn.MaxPool2d (the stride defaults to the kernel size). */
export class MaxPool2d extends Pool2d {
  readonly dilation: [number, number];
  constructor(kernelSize: IntOrPair, opts: Pool2dOptions & { dilation?: IntOrPair } = {}) {
    super(kernelSize, opts);
    this.dilation = pair(opts.dilation ?? 1);
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
    });
  }
}

/** Average pooling; zero padding counts towards the average (PyTorch's count_include_pad=True). */
export class AvgPool2d extends Pool2d {
  constructor(kernelSize: IntOrPair, opts: Pool2dOptions = {}) {
    super(kernelSize, opts);
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode });
  }
}

/** Upsample's settings: exactly one of size and scaleFactor; mode 'nearest' by default. */
export interface UpsampleOptions {
  /** Output [H, W]; give this or scaleFactor. */
  size?: [number, number];
  scaleFactor?: number;
  mode?: 'nearest' | 'bilinear';
  /** Bilinear only: align the corner pixels (PyTorch's default, and Keras's, is false). */
  alignCorners?: boolean;
}

/** Resizes [N, C, H, W] by nearest or bilinear interpolation, as torch.nn.Upsample. */
export class Upsample extends Layer {
  readonly mode: 'nearest' | 'bilinear';
  constructor(readonly opts: UpsampleOptions) {
    super();
    this.mode = opts.mode ?? 'nearest';
    if ((opts.size === undefined) === (opts.scaleFactor === undefined))
      throw new TypeError('Upsample: give exactly one of size and scaleFactor');
    if (this.mode === 'nearest' && opts.alignCorners !== undefined) {
      throw new TypeError('Upsample: alignCorners only applies to bilinear mode');
    }
  }
  forward(x: Tensor): Tensor {
    const { size, scaleFactor, alignCorners } = this.opts;
    return interpolate(x, {
      ...(size ? { size } : { scaleFactor: scaleFactor! }),
      mode: this.mode,
      alignCorners: alignCorners ?? false,
    });
  }
}

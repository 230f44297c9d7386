/**
 * Convolution layers, as torch.nn.Conv2d and torch.nn.ConvTranspose2d: the same argument
 * order, defaults, parameter names and shapes (Conv2d weight [out, in/groups, kH, kW],
 * ConvTranspose2d weight [in, out/groups, kH, kW]) and the same default initialisation,
 * kaiming_uniform(a=sqrt(5)) and a U(±1/sqrt(fan_in)) bias with PyTorch's
 * fan_in = weight.size(1) * kH * kW for both (for ConvTranspose2d that is out/groups * kH * kW).
 */
import { zeros } from '../tensor/create.js';
import { conv2d, convTranspose2d } from '../tensor/functional.js';
import type { Tensor } from '../tensor/tensor.js';
import { biasUniformDefault, fanIn, kaimingUniformDefault } from './init.js';
import { Layer } from './module.js';

export type IntOrPair = number | [number, number];

export function pair(v: IntOrPair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Conv2d's settings, as torch.nn.Conv2d's (stride 1, padding 0, dilation 1, groups 1, with a bias). */
export interface Conv2dOptions {
  stride?: IntOrPair;
  /** Zeros on each side; 'valid' is 0, 'same' keeps H and W (stride 1 and odd dilation*(k-1)+1 only). */
  padding?: IntOrPair | 'same' | 'valid';
  dilation?: IntOrPair;
  groups?: number;
  bias?: boolean;
}

/** ConvTranspose2d's settings, as torch.nn.ConvTranspose2d's (stride 1, no padding, groups 1, with a bias). */
export interface ConvTranspose2dOptions {
  stride?: IntOrPair;
  padding?: IntOrPair;
  outputPadding?: IntOrPair;
  groups?: number;
  dilation?: IntOrPair;
  bias?: boolean;
}

function checkChannels(name: string, inCh: number, outCh: number, groups: number): void {
  if (![inCh, outCh, groups].every((n) => Number.isInteger(n) && n > 0)) {
    throw new RangeError(`${name}(${inCh}, ${outCh}, groups=${groups}): channels and groups must be positive integers`);
  }
  if (inCh % groups) throw new RangeError(`${name}: in_channels (${inCh}) must be divisible by groups (${groups})`);
  if (outCh % groups) throw new RangeError(`${name}: out_channels (${outCh}) must be divisible by groups (${groups})`);
}

/** Padding for 'same' (PyTorch pads asymmetrically when the total is odd; that is not supported here). */
function samePadding(kernel: [number, number], dilation: [number, number], stride: [number, number]): [number, number] {
  if (stride[0] !== 1 || stride[1] !== 1)
    throw new RangeError(`Conv2d: padding='same' is not supported for strided convolutions`);
  const total = [dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)];
  if (total[0]! % 2 || total[1]! % 2) {
    throw new RangeError(
      `Conv2d: padding='same' with kernel [${kernel}] and dilation [${dilation}] needs asymmetric padding, which is not supported`,
    );
  }
  return [total[0]! / 2, total[1]! / 2];
}

/** 2-D convolution, torch.nn.Conv2d: [N, in, H, W] -> [N, out, H', W']. */
export class Conv2d extends Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: IntOrPair,
    opts: Conv2dOptions = {},
  ) {
    super();
    this.groups = opts.groups ?? 1;
    checkChannels('Conv2d', inChannels, outChannels, this.groups);
    this.kernelSize = pair(kernelSize);
    this.stride = pair(opts.stride ?? 1);
    this.dilation = pair(opts.dilation ?? 1);
    const p = opts.padding ?? 0;
    this.padding =
      p === 'valid' ? [0, 0] : p === 'same' ? samePadding(this.kernelSize, this.dilation, this.stride) : pair(p);
    this.weight = this.param(
      'weight',
      kaimingUniformDefault(zeros([outChannels, inChannels / this.groups, ...this.kernelSize])),
    );
    this.bias =
      opts.bias === false ? null : this.param('bias', biasUniformDefault(zeros([outChannels]), fanIn(this.weight)));
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/** Transposed 2-D convolution, torch.nn.ConvTranspose2d: [N, in, H, W] -> [N, out, H', W'] (upsampling with stride > 1). */
export class ConvTranspose2d extends Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: IntOrPair,
    opts: ConvTranspose2dOptions = {},
  ) {
    super();
    this.groups = opts.groups ?? 1;
    checkChannels('ConvTranspose2d', inChannels, outChannels, this.groups);
    this.kernelSize = pair(kernelSize);
    this.stride = pair(opts.stride ?? 1);
    this.padding = pair(opts.padding ?? 0);
    this.outputPadding = pair(opts.outputPadding ?? 0);
    this.dilation = pair(opts.dilation ?? 1);
    for (const i of [0, 1]) {
      if (this.outputPadding[i]! >= Math.max(this.stride[i]!, this.dilation[i]!)) {
        throw new RangeError(`ConvTranspose2d: output padding must be smaller than either stride or dilation`);
      }
    }
    this.weight = this.param(
      'weight',
      kaimingUniformDefault(zeros([inChannels, outChannels / this.groups, ...this.kernelSize])),
    );
    this.bias =
      opts.bias === false ? null : this.param('bias', biasUniformDefault(zeros([outChannels]), fanIn(this.weight)));
  }

  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    });
  }
}

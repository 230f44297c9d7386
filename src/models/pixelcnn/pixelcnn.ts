/**
 * A small Gated PixelCNN over grids of discrete codes (van den Oord et al. 2016, "Conditional
 * Image Generation with PixelCNN Decoders"), VQ-VAE's learned prior (van den Oord et al. 2017,
 * sec. 3.3): each code's distribution given the codes before it in raster order,
 *   p(k) = prod_i p(k_i | k_<i),   log p(k) = sum_i log softmax(f(k_<i))[k_i],
 * with f an embedding of the codes, a type-A gated layer, type-B gated layers (vertical and
 * horizontal stacks, gated-layer.ts) and a 1x1 head ReLU-Conv-ReLU-Conv to K logits. Sampling
 * draws the grid one position at a time, each from the logits of the codes drawn so far.
 */
import { noGrad } from '../../tensor/autograd.js';
import { rand, randn, tensor, zeros } from '../../tensor/create.js';
import { embedding } from '../../tensor/functional.js';
import { tidy } from '../../tensor/scope.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Conv2d } from '../../nn/conv.js';
import { Module } from '../../nn/module.js';
import { GatedLayer } from './gated-layer.js';

export interface PixelCnnOptions {
  /** Values a position takes (K). */
  classes: number;
  /** Channels of the stacks. */
  channels: number;
  /** Gated layers (the first of type A); at least 1. */
  layers: number;
  /** [H, W] of the grids. */
  grid: [number, number];
}

export class GatedPixelCnn extends Module {
  readonly classes: number;
  readonly grid: [number, number];
  /** nn.Embedding's weight [K, C], N(0, 1) as PyTorch starts it. */
  readonly embed: Tensor;
  readonly layers: GatedLayer[];
  readonly hidden: Conv2d;
  readonly logits: Conv2d;
  /** Epochs the prior has been trained for (0: untrained), saved with the weights. */
  readonly epochs: Tensor;

  constructor(o: PixelCnnOptions) {
    super();
    for (const [k, v] of Object.entries({ classes: o.classes, channels: o.channels, layers: o.layers }))
      if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`PixelCNN ${k} must be a positive integer, got ${v}`);
    this.classes = o.classes;
    this.grid = o.grid;
    this.embed = this.param('embed', randn([o.classes, o.channels]));
    this.layers = Array.from({ length: o.layers }, (_, i) =>
      this.module(`layers.${i}`, new GatedLayer(i === 0 ? 'A' : 'B', o.channels)),
    );
    this.hidden = this.module('hidden', new Conv2d(o.channels, o.channels, 1));
    this.logits = this.module('logits', new Conv2d(o.channels, o.classes, 1));
    this.epochs = this.buffer('epochs', zeros([]));
  }

  get trained(): boolean {
    return this.epochs.item() > 0;
  }

  /** Logits [B, K, H, W] of each position given the codes before it, for code grids [B, H, W] (int64). */
  forward(codes: Tensor): Tensor {
    return this.forwardEmbedded(embedding(this.embed, codes).permute(0, 3, 1, 2));
  }

  /** The logits from embedded grids x [B, C, H, W] (tests take gradients with respect to x). */
  forwardEmbedded(x: Tensor): Tensor {
    let [v, h] = [x, x];
    for (const layer of this.layers) [v, h] = layer.forward(v, h);
    return this.logits.forward(this.hidden.forward(h.relu()).relu());
  }

  /** -log p(k) of each grid [B, H, W]: [B], in nats. */
  nll(codes: Tensor): Tensor {
    return this.forward(codes).logSoftmax(1).gather(1, codes.unsqueeze(1)).neg().sum([1, 2, 3]);
  }

  /** n grids [n, H, W] (int64) drawn position by position (Gumbel-max: argmax(logits + Gumbel noise)). */
  sample(n: number): Tensor {
    const [rows, cols] = this.grid;
    const device = this.embed.device;
    const drawn = new Array<number>(n * rows * cols).fill(0);
    return noGrad(() => {
      for (let i = 0; i < rows * cols; i++) {
        const pick = tidy(() => {
          const codes = tensor(drawn, { dtype: 'int64', device }).reshape(n, rows, cols);
          const logits = this.forward(codes).flatten(2).select(2, i); // [n, K]
          const u = rand([n, this.classes], { device }).clamp(1e-10, 1 - 1e-7);
          return logits.sub(u.log().neg().log()).argmax(1).toArray();
        });
        for (let b = 0; b < n; b++) drawn[b * rows * cols + i] = pick[b]!;
      }
      return tensor(drawn, { dtype: 'int64', device }).reshape(n, rows, cols);
    });
  }
}

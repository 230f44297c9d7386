/**
 * One layer of the Gated PixelCNN (van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves and
 * Kavukcuoglu 2016, "Conditional Image Generation with PixelCNN Decoders", sec. 2.2 and fig. 2):
 * a vertical stack that sees the rows above, a horizontal stack that sees the row to the left,
 * no blind spot between them, and gated activations y = tanh(W_f * x) . sigmoid(W_g * x):
 *   v' = gate(V * v),
 *   h' = h + W_1x1 gate(H * h + W_v2h (V * v))      (no residual in the first layer)
 * The vertical stack's features at row r depend only on rows < r, so feeding them into the
 * horizontal stack at the same position keeps the order (the layout of the PyTorch port in
 * ritheshkumar95/pytorch-vqvae, which crops padded convolutions instead of shifting).
 */
import { Conv2d } from '../../nn/conv.js';
import { horizontalStackMask, MaskedConv2d, verticalStackMask, type MaskType } from '../../nn/masked-conv.js';
import { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';

/** tanh(a) * sigmoid(b) of the channel halves a, b of x [B, 2C, H, W]: [B, C, H, W]. */
export function gate(x: Tensor): Tensor {
  const [a, b] = x.chunk(2, 1) as [Tensor, Tensor];
  return a.tanh().mul(b.sigmoid());
}

export class GatedLayer extends Module {
  readonly vertical: MaskedConv2d;
  readonly horizontal: MaskedConv2d;
  readonly v2h: Conv2d;
  readonly out: Conv2d;

  constructor(
    readonly type: MaskType,
    channels: number,
    readonly kernel = 3,
  ) {
    super();
    const p = Math.floor(kernel / 2);
    this.vertical = this.module(
      'vertical',
      new MaskedConv2d(channels, 2 * channels, verticalStackMask(type, kernel), { padding: [p, p] }),
    );
    this.horizontal = this.module(
      'horizontal',
      new MaskedConv2d(channels, 2 * channels, horizontalStackMask(type, kernel), { padding: [0, p] }),
    );
    this.v2h = this.module('v2h', new Conv2d(2 * channels, 2 * channels, 1));
    this.out = this.module('out', new Conv2d(channels, channels, 1));
  }

  /** The two stacks [B, C, H, W] each -> the next layer's. */
  forward(v: Tensor, h: Tensor): [Tensor, Tensor] {
    const [rows, cols] = [v.size(2), v.size(3)];
    const fv = this.vertical.forward(v).narrow(2, 0, rows); // rows r - k//2 ... r (type A: ... r - 1)
    const fh = this.horizontal.forward(h).narrow(3, 0, cols); // columns c - k//2 ... c (type A: ... c - 1)
    const mixed = this.out.forward(gate(fh.add(this.v2h.forward(fv))));
    return [gate(fv), this.type === 'A' ? mixed : mixed.add(h)];
  }
}

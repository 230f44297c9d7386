/**
 * Masked convolutions, the building block of PixelCNN (van den Oord, Kalchbrenner and
 * Kavukcuoglu 2016, "Pixel Recurrent Neural Networks", sec. 3.4): a Conv2d whose kernel is
 * multiplied by a fixed 0/1 mask at every forward pass, so that masked taps neither contribute
 * nor receive a gradient. With the masks below an output never sees the inputs at or after its
 * own position in raster order (type A, the first layer) or after it (type B, the layers above,
 * whose inputs at a position already depend only on what precedes it).
 */
import { tensor } from '../tensor/create.js';
import { conv2d } from '../tensor/functional.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2d, type Conv2dOptions } from './conv.js';

/** A: the first layer (the output must not see its own input); B: the layers after it. */
export type MaskType = 'A' | 'B';

/**
 * The plain PixelCNN mask of a k x k kernel centred on the output (k odd): every row above the
 * centre, and in the centre row the taps left of it, plus the centre itself for type B.
 */
export function pixelCnnMask(type: MaskType, k: number): number[][] {
  if (!(Number.isInteger(k) && k >= 1 && k % 2 === 1)) throw new RangeError(`mask size must be odd, got ${k}`);
  const c = (k - 1) / 2;
  return Array.from({ length: k }, (_, i) =>
    Array.from({ length: k }, (_, j) => (i < c || (i === c && (j < c || (j === c && type === 'B'))) ? 1 : 0)),
  );
}

/**
 * Gated PixelCNN's vertical stack (van den Oord et al. 2016, "Conditional Image Generation with
 * PixelCNN Decoders", fig. 2): a (k//2 + 1) x k kernel, padded k//2 on every side and cropped to
 * the first H output rows, covers rows r - k//2 ... r of the input; type A drops its last row
 * (row r itself), so the stack sees only the rows above, whole and without a blind spot.
 */
export function verticalStackMask(type: MaskType, k: number): number[][] {
  const rows = Math.floor(k / 2) + 1;
  return Array.from({ length: rows }, (_, i) => Array<number>(k).fill(type === 'A' && i === rows - 1 ? 0 : 1));
}

/**
 * Gated PixelCNN's horizontal stack: a 1 x (k//2 + 1) kernel, padded k//2 on the left and right
 * and cropped to the first W output columns, covers columns c - k//2 ... c of the same row; type
 * A drops its last column (the position itself).
 */
export function horizontalStackMask(type: MaskType, k: number): number[][] {
  const cols = Math.floor(k / 2) + 1;
  return [Array.from({ length: cols }, (_, j) => (type === 'A' && j === cols - 1 ? 0 : 1))];
}

/** A Conv2d of the mask's kernel size whose weight is multiplied by the mask (a buffer, as PyTorch ports register it). */
export class MaskedConv2d extends Conv2d {
  readonly mask: Tensor;

  constructor(inChannels: number, outChannels: number, mask: number[][], opts: Conv2dOptions = {}) {
    const kh = mask.length;
    const kw = mask[0]?.length ?? 0;
    if (!kh || !kw || mask.some((row) => row.length !== kw || row.some((v) => v !== 0 && v !== 1)))
      throw new RangeError('MaskedConv2d: the mask must be a non-empty rectangle of 0s and 1s');
    super(inChannels, outChannels, [kh, kw], opts);
    this.mask = this.buffer('mask', tensor(mask.flat(), { dtype: this.weight.dtype }).reshape(kh, kw));
  }

  override forward(x: Tensor): Tensor {
    return conv2d(x, this.weight.mul(this.mask), this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

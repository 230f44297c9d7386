/**
 * An image dataset held as one uint8 tensor [N, C, H, W] with int64 labels [N]; conversion to
 * float happens per batch, so 60,000 MNIST digits take 47 MB instead of 188 MB.
 */
import { tensor } from '../tensor/create.js';
import { keep } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';

export interface ImageDatasetInit {
  name: string;
  /** Pixels, row-major [N, C, H, W]. */
  pixels: Uint8Array;
  labels: ArrayLike<number>;
  shape: [number, number, number]; // C, H, W
  classNames: string[];
}

export class ImageDataset {
  readonly imageShape: [number, number, number];

  /** Takes ownership of `images` (uint8 [N, C, H, W]) and `labels` (int64 [N]). */
  constructor(
    readonly name: string,
    readonly images: Tensor,
    readonly labels: Tensor,
    readonly classNames: string[],
  ) {
    if (images.ndim !== 4 || images.dtype !== 'uint8') throw new Error(`${name}: images must be uint8 [N, C, H, W], got ${images}`);
    if (labels.ndim !== 1 || labels.size(0) !== images.size(0)) throw new Error(`${name}: ${images.size(0)} images but ${labels.numel} labels`);
    keep(images);
    keep(labels);
    this.imageShape = images.shape.slice(1) as [number, number, number];
  }

  static fromArrays(init: ImageDatasetInit): ImageDataset {
    const [c, h, w] = init.shape;
    const n = init.labels.length;
    if (init.pixels.length !== n * c * h * w) {
      throw new Error(`${init.name}: ${init.pixels.length} pixels do not make ${n} images of ${c}x${h}x${w}`);
    }
    const images = tensor(init.pixels, { shape: [n, c, h, w] });
    const labels = tensor(Int32Array.from(init.labels), { shape: [n] });
    const long = labels.long();
    labels.dispose();
    return new ImageDataset(init.name, images, long, init.classNames);
  }

  get length(): number {
    return this.images.size(0);
  }
  /** Pixels per image, C * H * W. */
  get dim(): number {
    return this.imageShape.reduce((a, b) => a * b, 1);
  }
  /** The first n images (views of the same memory). */
  take(n: number): ImageDataset {
    if (n >= this.length) return this;
    return new ImageDataset(`${this.name}[:${n}]`, this.images.slice(0, 0, n), this.labels.slice(0, 0, n), this.classNames);
  }
  dispose(): void {
    this.images.dispose();
    this.labels.dispose();
  }
}

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
  readonly name: string;
  readonly images: Tensor;
  readonly labels: Tensor;
  readonly imageShape: [number, number, number];
  readonly classNames: string[];

  constructor(init: ImageDatasetInit) {
    const [c, h, w] = init.shape;
    const n = init.labels.length;
    if (init.pixels.length !== n * c * h * w) {
      throw new Error(`${init.name}: ${init.pixels.length} pixels do not make ${n} images of ${c}x${h}x${w}`);
    }
    this.name = init.name;
    this.imageShape = init.shape;
    this.classNames = init.classNames;
    this.images = keep(tensor(init.pixels, { shape: [n, c, h, w] }));
    this.labels = keep(tensor(Int32Array.from(init.labels), { shape: [n] }).long());
  }

  get length(): number {
    return this.images.shape[0]!;
  }
  /** Pixels per image, C * H * W. */
  get dim(): number {
    return this.imageShape.reduce((a, b) => a * b, 1);
  }
  dispose(): void {
    this.images.dispose();
    this.labels.dispose();
  }
}

/**
 * An image dataset held as one uint8 tensor [N, C, H, W] with int64 labels [N]; conversion to
 * float happens per batch, so 60,000 MNIST digits take 47 MB instead of 188 MB.
 */
import { tensor } from '../tensor/create.js';
import { oneHot } from '../tensor/functional.js';
import { keep, tidy } from '../tensor/scope.js';
import { call, type Tensor } from '../tensor/tensor.js';

/** 0..n-1 in a random order from a small seeded generator (mulberry32), Fisher-Yates. */
export function shuffledIndices(n: number, seed: number): Uint32Array {
  let a = seed >>> 0;
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** What ImageDataset.fromArrays takes: N images' pixels and labels. */
export interface ImageDatasetInit {
  name: string;
  /** Pixels, row-major [N, C, H, W]. */
  pixels: Uint8Array;
  /** One label per image (N). */
  labels: ArrayLike<number>;
  shape: [number, number, number]; // C, H, W
  classNames: string[];
}

/** Images (uint8 [N, C, H, W], 0..255) with int64 labels [N] and class names. */
export class ImageDataset {
  readonly imageShape: [number, number, number];

  /** Takes ownership of `images` (uint8 [N, C, H, W]) and `labels` (int64 [N]). */
  constructor(
    readonly name: string,
    readonly images: Tensor,
    readonly labels: Tensor,
    readonly classNames: string[],
  ) {
    if (images.ndim !== 4 || images.dtype !== 'uint8')
      throw new Error(`${name}: images must be uint8 [N, C, H, W], got ${images.toString()}`);
    if (labels.ndim !== 1 || labels.size(0) !== images.size(0))
      throw new Error(`${name}: ${images.size(0)} images but ${labels.numel} labels`);
    keep(images);
    keep(labels);
    this.imageShape = images.shape.slice(1) as [number, number, number];
  }

  /** A dataset from JavaScript arrays (pixels copied into a tensor); checks that they fill N images. */
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
    return new ImageDataset(
      `${this.name}[:${n}]`,
      this.images.slice(0, 0, n),
      this.labels.slice(0, 0, n),
      this.classNames,
    );
  }
  /** Only the images whose label is in `classes` (labels keep their values, as anomaly detection needs). */
  filterClasses(classes: number[]): ImageDataset {
    const bad = classes.filter((c) => !Number.isInteger(c) || c < 0 || c >= this.classNames.length);
    if (bad.length)
      throw new RangeError(`${this.name}: no class ${bad.join(', ')} (classes are 0 to ${this.classNames.length - 1})`);
    return tidy(() => {
      const idx = call(
        'nonzero',
        call('isin.Tensor_Tensor', this.labels.handle, tensor(classes, { dtype: 'int64' }).handle).handle,
      ).reshape(-1);
      const name = `${this.name}[classes ${classes.join(',')}]`;
      return new ImageDataset(name, this.images.indexSelect(0, idx), this.labels.indexSelect(0, idx), this.classNames);
    });
  }

  /**
   * A seeded random split into [rest, held-out] with `fraction` of the images held out (for
   * validation). The seed is its own, so the split does not depend on the training seed.
   */
  split(fraction: number, seed = 0): [ImageDataset, ImageDataset] {
    if (!(fraction > 0 && fraction < 1))
      throw new RangeError(`split fraction must be between 0 and 1, got ${fraction}`);
    const n = this.length;
    const held = Math.round(n * fraction);
    if (held === 0 || held === n) throw new RangeError(`${this.name}: cannot hold out ${fraction} of ${n} images`);
    const order = shuffledIndices(n, seed);
    return tidy(() => {
      const pick = (from: number, to: number, suffix: string): ImageDataset => {
        const idx = tensor(Int32Array.from(order.subarray(from, to)), { dtype: 'int64' });
        return new ImageDataset(
          `${this.name}[${suffix}]`,
          this.images.indexSelect(0, idx),
          this.labels.indexSelect(0, idx),
          this.classNames,
        );
      };
      return [pick(held, n, 'train'), pick(0, held, 'val')] as [ImageDataset, ImageDataset];
    });
  }

  /** Images per class, indexed by label. */
  classCounts(): number[] {
    return tidy(() => oneHot(this.labels, this.classNames.length).sum(0).toArray());
  }

  /** Frees the images and labels tensors. */
  dispose(): void {
    this.images.dispose();
    this.labels.dispose();
  }
}

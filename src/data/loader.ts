/**
 * Batches from an ImageDataset. Each batch is a lazy `load()` so that its tensors are made
 * inside the training step's `tidy` scope and freed with it. Shuffling uses libtorch's
 * generator, so `manualSeed` (and a restored RNG state) replays the same order.
 */
import { bernoulli, randperm } from '../tensor/create.js';
import { keep } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ImageDataset } from './dataset.js';

/** none: grey levels in [0, 1]; static: thresholded at 0.5 once; dynamic: a fresh Bernoulli draw per batch. */
export type Binarize = 'none' | 'static' | 'dynamic';

/** How a BatchLoader cuts and presents the batches. */
export interface LoaderOptions {
  batchSize: number;
  /** A fresh random order each epoch (default true). */
  shuffle?: boolean;
  /** Default 'none'. */
  binarize?: Binarize;
  /** Images as [B, C*H*W] (for MLPs) instead of [B, C, H, W]. */
  flatten?: boolean;
  /** Skip a last batch smaller than batchSize. */
  dropLast?: boolean;
}

/** One batch of an epoch, loaded on demand. */
export interface Batch {
  /** Position of this batch within the epoch. */
  index: number;
  /** Images in the batch (the last may be smaller). */
  size: number;
  /** Makes the batch's tensors: x as float in [0, 1] (binarized as asked), y as int64 labels. */
  load(): { x: Tensor; y: Tensor };
}

/** Batches of an ImageDataset for training and evaluation: x float [B, C, H, W] in [0, 1], y int64 [B]. */
export class BatchLoader {
  readonly options: Required<LoaderOptions>;
  constructor(
    readonly dataset: ImageDataset,
    options: LoaderOptions,
  ) {
    if (!(Number.isInteger(options.batchSize) && options.batchSize > 0)) {
      throw new RangeError(`batch size must be a positive integer, got ${options.batchSize}`);
    }
    this.options = { shuffle: true, binarize: 'none', flatten: false, dropLast: false, ...options };
  }

  get numBatches(): number {
    const n = this.dataset.length / this.options.batchSize;
    return this.options.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** The batches of one epoch, in a fresh random order when shuffling. */
  *epoch(): Generator<Batch> {
    const order = this.plan();
    try {
      yield* this.batches(order);
    } finally {
      order?.dispose();
    }
  }

  /** An epoch's order: a permutation (kept; the caller disposes it), or null without shuffling. */
  plan(): Tensor | null {
    return this.options.shuffle ? keep(randperm(this.dataset.length)) : null;
  }

  /** The batches of an epoch in `order`, from batch `start` on (to resume an interrupted epoch). */
  *batches(order: Tensor | null, start = 0): Generator<Batch> {
    const { batchSize } = this.options;
    const n = this.dataset.length;
    for (let b = start; b < this.numBatches; b++) {
      const first = b * batchSize;
      const size = Math.min(batchSize, n - first);
      yield { index: b, size, load: () => this.#load(order, first, size) };
    }
  }

  #load(order: Tensor | null, start: number, size: number): { x: Tensor; y: Tensor } {
    const ds = this.dataset;
    let images: Tensor;
    let y: Tensor;
    if (order) {
      const idx = order.slice(0, start, start + size);
      images = ds.images.indexSelect(0, idx);
      y = ds.labels.indexSelect(0, idx);
    } else {
      images = ds.images.slice(0, start, start + size);
      y = ds.labels.slice(0, start, start + size);
    }
    let x = images.float().div(255);
    if (this.options.binarize === 'dynamic') x = bernoulli(x);
    else if (this.options.binarize === 'static') x = x.gt(0.5).float();
    if (this.options.flatten) x = x.reshape(size, -1);
    return { x, y };
  }
}

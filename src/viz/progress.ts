/**
 * Pictures made during and after training. Each epoch, fixed latent points are decoded and a
 * fixed batch of test images reconstructed, so that progress.gif shows the same samples
 * sharpening; at the end the run directory receives samples.png, reconstructions.png,
 * latent-map.png, curves.png, progress.gif, and manifold.png where z = 2.
 */
import { join } from 'node:path';
import type { ImageDataset } from '../data/dataset.js';
import type { AnyModel, ImageGenerator } from '../models/types.js';
import { randn } from '../tensor/create.js';
import { withSeed } from '../tensor/runtime.js';
import { keep, tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { imageGrid, reconstructionGrid, saveCurves, saveImageGrid, saveLatentMap, saveManifold } from './figures.js';
import { saveGif } from './gif.js';
import { savePng, type Raster } from './grid.js';
import { decodeLatents } from './latent.js';

const PICTURE_SEED = 7;

/** Places rasters of one channel count side by side, top-aligned, on white. */
export function sideBySide(parts: Raster[], gap = 8): Raster {
  const c = parts[0]!.channels;
  const width = parts.reduce((w, p) => w + p.width, 0) + gap * (parts.length - 1);
  const height = Math.max(...parts.map((p) => p.height));
  const data = new Uint8Array(width * height * c).fill(255);
  let x0 = 0;
  for (const p of parts) {
    if (p.channels !== c) throw new RangeError('sideBySide: rasters differ in channels');
    for (let y = 0; y < p.height; y++)
      data.set(p.data.subarray(y * p.width * c, (y + 1) * p.width * c), (y * width + x0) * c);
    x0 += p.width + gap;
  }
  return { width, height, channels: c, data };
}

/** Latent models can reconstruct; conditional ones need the images' labels to do it. */
function reconstructionsOf(model: AnyModel, x: Tensor, y: Tensor, scale: number): Raster | null {
  if (model.family !== 'latent') return null;
  return reconstructionGrid(model, x, 8, { scale, ...(model.numClasses ? { labels: y } : {}) });
}

/** Sample grids: 8 columns, or one column per class for conditional models. */
const sampleColumns = (model: ImageGenerator): number => (model.numClasses ? model.numClasses : 8);

export class TrainingPictures {
  readonly frames: Raster[] = [];
  readonly #z: Tensor;
  readonly #x: Tensor;
  readonly #y: Tensor;

  constructor(
    readonly model: AnyModel,
    testSet: ImageDataset,
    readonly opts: { samples?: number; reconstructions?: number; scale?: number } = {},
  ) {
    const n = opts.samples ?? (model.numClasses ? model.numClasses * 8 : 64);
    this.#z = keep(withSeed(PICTURE_SEED, () => randn([n, model.latentDim])));
    this.#x = keep(
      tidy(() =>
        testSet.images
          .slice(0, 0, opts.reconstructions ?? 32)
          .float()
          .div(255),
      ),
    );
    this.#y = keep(testSet.labels.slice(0, 0, opts.reconstructions ?? 32).clone());
  }

  /** The current state: samples of the fixed latent points beside reconstructions of the fixed batch. */
  frame(): Raster {
    const wasTraining = this.model.training;
    try {
      const scale = this.opts.scale ?? 2;
      const samples = tidy(() =>
        imageGrid(decodeLatents(this.model, this.#z, 'each'), { cols: sampleColumns(this.model), scale }),
      );
      const recon = reconstructionsOf(this.model, this.#x, this.#y, scale);
      return recon ? sideBySide([samples, recon], 16) : samples;
    } finally {
      this.model.train(wasTraining);
    }
  }

  /** Adds a frame (call at the end of every epoch). */
  record(): void {
    this.frames.push(this.frame());
  }

  saveGif(path: string): void {
    saveGif(path, this.frames, 400);
  }

  dispose(): void {
    this.#z.dispose();
    this.#x.dispose();
    this.#y.dispose();
  }
}

/** The pictures every finished run gets; returns the files written. */
export async function writeRunPictures(
  dir: string,
  model: AnyModel,
  testSet: ImageDataset,
  metrics: Record<string, number>[],
  pictures?: TrainingPictures,
): Promise<string[]> {
  const files: string[] = [];
  const n = model.numClasses ? model.numClasses * 8 : 64;
  const samples = tidy(() => withSeed(PICTURE_SEED, () => decodeLatents(model, randn([n, model.latentDim]), 'each')));
  files.push(await saveImageGrid(join(dir, 'samples.png'), samples, { cols: sampleColumns(model), scale: 2 }));
  samples.dispose();
  if (model.family === 'latent') {
    const x = tidy(() => testSet.images.slice(0, 0, 32).float().div(255));
    const y = testSet.labels.slice(0, 0, 32);
    await savePng(join(dir, 'reconstructions.png'), reconstructionsOf(model, x, y, 2)!);
    x.dispose();
    y.dispose();
    files.push(join(dir, 'reconstructions.png'));
    const map = await saveLatentMap(join(dir, 'latent-map'), model, testSet);
    files.push(map.png, map.svg);
  }
  if (metrics.length) {
    const unit = model.family === 'latent' ? 'nats per image' : "means over each epoch's batches";
    const curves = await saveCurves(join(dir, 'curves'), metrics, `${model.modelName}: losses per epoch (${unit})`);
    files.push(curves.png, curves.svg);
  }
  if (model.latentDim === 2 && !model.numClasses)
    files.push(await saveManifold(join(dir, 'manifold.png'), model, { n: 20, scale: 1 }));
  if (pictures?.frames.length) {
    pictures.saveGif(join(dir, 'progress.gif'));
    files.push(join(dir, 'progress.gif'));
  }
  return files;
}

/**
 * Pictures made during and after training. Each epoch, fixed latent points are decoded and a
 * fixed batch of test images reconstructed, so that progress.gif shows the same samples
 * sharpening; at the end the run directory receives samples.png, reconstructions.png,
 * latent-map.png, curves.png, progress.gif, and manifold.png where z = 2.
 */
import { join } from 'node:path';
import type { ImageDataset } from '../data/dataset.js';
import { has } from '../models/capabilities.js';
import type { MetricDeclaration, Model } from '../models/model.js';
import { withSeed } from '../tensor/runtime.js';
import { keep, tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { curvePanels } from './charts.js';
import { imageGrid, reconstructionGrid, saveCurves, saveImageGrid, saveLatentMap, saveManifold } from './figures.js';
import { saveGif } from './gif.js';
import { savePng, type Raster } from './grid.js';
import { decodeLatents } from '../inference/latent.js';

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

/** Models with an encoder and a decoder can reconstruct; conditional ones need the images' labels to do it. */
function reconstructionsOf(model: Model, x: Tensor, y: Tensor, scale: number): Raster | null {
  if (!has(model, 'encoder') || !has(model, 'decoder')) return null;
  return reconstructionGrid(model, x, 8, { scale, ...(model.numClasses ? { labels: y } : {}) });
}

/** Sample grids: 8 columns, or one column per class for conditional models. */
const sampleColumns = (model: Model): number => (model.numClasses ? model.numClasses : 8);

/** The frames of progress.gif: fixed latent points and test images, drawn again after each epoch. */
export class TrainingPictures {
  readonly frames: Raster[] = [];
  readonly #z: Tensor | null;
  readonly #x: Tensor;
  readonly #y: Tensor;

  constructor(
    readonly model: Model,
    testSet: ImageDataset,
    readonly opts: { samples?: number; reconstructions?: number; scale?: number } = {},
  ) {
    const n = opts.samples ?? (model.numClasses ? model.numClasses * 8 : 64);
    const prior = model.capabilities.prior;
    this.#z = prior && has(model, 'decoder') ? keep(withSeed(PICTURE_SEED, () => prior.sample(n))) : null;
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
      const z = this.#z;
      const samples = z
        ? tidy(() => imageGrid(decodeLatents(this.model, z, 'each'), { cols: sampleColumns(this.model), scale }))
        : null;
      const recon = reconstructionsOf(this.model, this.#x, this.#y, scale);
      const parts = [samples, recon].filter((r): r is Raster => r !== null);
      if (!parts.length)
        throw new Error(`${this.model.modelName} has neither a prior with a decoder nor an encoder to draw`);
      return parts.length > 1 ? sideBySide(parts, 16) : parts[0]!;
    } finally {
      this.model.train(wasTraining);
    }
  }

  /** Adds a frame (call at the end of every epoch). */
  record(): void {
    this.frames.push(this.frame());
  }

  /** Writes the frames recorded so far as a GIF, 400 ms per frame. */
  saveGif(path: string): void {
    saveGif(path, this.frames, 400);
  }

  /** Frees the fixed latent points and images. */
  dispose(): void {
    this.#z?.dispose();
    this.#x.dispose();
    this.#y.dispose();
  }
}

/** The pictures every finished run gets; returns the files written. */
export async function writeRunPictures(
  dir: string,
  model: Model,
  testSet: ImageDataset,
  metrics: Record<string, number>[],
  pictures?: TrainingPictures,
  declared?: readonly MetricDeclaration[],
): Promise<string[]> {
  const files: string[] = [];
  const n = model.numClasses ? model.numClasses * 8 : 64;
  const prior = model.capabilities.prior;
  if (prior && has(model, 'decoder')) {
    const samples = tidy(() => withSeed(PICTURE_SEED, () => decodeLatents(model, prior.sample(n), 'each')));
    files.push(await saveImageGrid(join(dir, 'samples.png'), samples, { cols: sampleColumns(model), scale: 2 }));
    samples.dispose();
  }
  if (has(model, 'encoder') && has(model, 'decoder')) {
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
    const panels = declared ? curvePanels(declared) : undefined;
    const curves = await saveCurves(join(dir, 'curves'), metrics, `${model.modelName}: per epoch`, panels);
    files.push(curves.png, curves.svg);
  }
  if (model.capabilities.decoder?.latentDim === 2 && !model.numClasses)
    files.push(await saveManifold(join(dir, 'manifold.png'), model, { n: 20, scale: 1 }));
  if (pictures?.frames.length) {
    pictures.saveGif(join(dir, 'progress.gif'));
    files.push(join(dir, 'progress.gif'));
  }
  return files;
}

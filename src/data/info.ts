/** `latentlab data info`: what a dataset holds, and a picture of examples from each class. */
import type { ImageDataset } from './dataset.js';
import { tidy } from '../tensor/scope.js';

/** A summary of a dataset, as `latentlab data info` prints it. */
export interface DatasetInfo {
  dataset: string;
  images: number;
  /** [C, H, W] */
  shape: [number, number, number];
  /** Images per class. */
  classes: { index: number; name: string; count: number }[];
  /** Pixel statistics on the [0, 1] scale (std unbiased). */
  pixels: { mean: number; std: number; min: number; max: number };
}

/** Class counts and pixel statistics of a dataset. */
export function datasetInfo(ds: ImageDataset): DatasetInfo {
  const counts = ds.classCounts();
  const pixels = tidy(() => {
    const x = ds.images.to('float64').div(255);
    return { mean: x.mean().item(), std: x.std().item(), min: x.min().item(), max: x.max().item() };
  });
  return {
    dataset: ds.name,
    images: ds.length,
    shape: ds.imageShape,
    classes: ds.classNames.map((name, index) => ({ index, name, count: counts[index] ?? 0 })),
    pixels,
  };
}

/** The summary as text: a header line, the pixel statistics, then one line per class. */
export function formatInfo(info: DatasetInfo): string {
  const [c, h, w] = info.shape;
  const width = Math.max(...info.classes.map((k) => k.name.length));
  return [
    `${info.dataset}: ${info.images} images of ${c}x${h}x${w}`,
    `pixels: mean ${info.pixels.mean.toFixed(4)}, std ${info.pixels.std.toFixed(4)}, min ${info.pixels.min}, max ${info.pixels.max}`,
    ...info.classes.map(
      (k) => `  ${String(k.index).padStart(2)} ${k.name.padEnd(width)} ${String(k.count).padStart(7)}`,
    ),
  ].join('\n');
}

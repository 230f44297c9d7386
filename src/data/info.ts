/** `latentlab data info`: what a dataset holds, and a picture of examples from each class. */
import type { ImageDataset } from './dataset.js';
import { tidy } from '../tensor/scope.js';
import { savePng, tileImages } from '../viz/grid.js';

export interface DatasetInfo {
  dataset: string;
  images: number;
  shape: [number, number, number];
  classes: { index: number; name: string; count: number }[];
  pixels: { mean: number; std: number; min: number; max: number };
}

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

/** A grid with one row per class holding its first `perClass` images. */
export async function saveExamples(ds: ImageDataset, path: string, perClass = 10, scale = 2): Promise<void> {
  const [c, h, w] = ds.imageShape;
  const labels = ds.labels.toArray();
  const picks: number[] = [];
  const numClasses = ds.classNames.length;
  for (let k = 0; k < numClasses; k++) {
    const idx = labels.flatMap((l, i) => (l === k ? [i] : [])).slice(0, perClass);
    if (idx.length === 0) continue;
    picks.push(...idx, ...new Array<number>(perClass - idx.length).fill(-1));
  }
  const tile = c * h * w;
  const pixels = new Uint8Array(picks.length * tile);
  const all = ds.images.toTypedArray() as Uint8Array;
  picks.forEach((i, j) => {
    if (i >= 0) pixels.set(all.subarray(i * tile, (i + 1) * tile), j * tile);
  });
  await savePng(path, tileImages(pixels, [picks.length, c, h, w], { cols: perClass, scale }));
}

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

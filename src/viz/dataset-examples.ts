/** A picture of a dataset: its first images of each class, a row per class (`latentlab data info`). */
import type { ImageDataset } from '../data/dataset.js';
import { savePng, tileImages } from './grid.js';

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

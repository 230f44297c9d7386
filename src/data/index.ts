/** Datasets: IDX files, the built-in MNIST and Fashion-MNIST, image folders, batches. */
export { readIdx, encodeIdx, IdxError, type Idx, type IdxArray } from './idx.js';
export { ImageDataset, type ImageDatasetInit } from './dataset.js';
export { BatchLoader, type Batch, type Binarize, type LoaderOptions } from './loader.js';
export {
  BUILTIN,
  cacheDir,
  loadBuiltin,
  loadIdxPair,
  loadMnist,
  locateBuiltin,
  mnistDir,
  DatasetMissingError,
  type Split,
  type BuiltinDataset,
} from './builtin.js';
export { fetchDataset, contentSha256, type FetchOptions } from './fetch.js';
export { loadImageFolder, DataFolderError, type FolderOptions } from './folder.js';
export { loadDataset, type DatasetSpec } from './load.js';
export { datasetInfo, formatInfo, type DatasetInfo } from './info.js';

export { readIdx, encodeIdx, IdxError, type Idx, type IdxArray } from './idx.js';
export { ImageDataset, type ImageDatasetInit } from './dataset.js';
export { BatchLoader, type Batch, type Binarize, type LoaderOptions } from './loader.js';
export { loadMnist, loadIdxPair, mnistDir, type Split } from './mnist.js';

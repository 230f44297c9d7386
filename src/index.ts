/**
 * latentlab: deep generative image models in TypeScript on libtorch.
 *
 *   import { tensor, randn, optim, tidy } from 'latentlab';
 */
export * from './tensor/index.js';
export * as nn from './nn/index.js';
export * as data from './data/index.js';
export * as datasets from './data/index.js';
export * as models from './models/index.js';
export * as train from './train/index.js';
export * as inference from './inference/index.js';
export * as evaluation from './eval/index.js';
export * as viz from './viz/index.js';
export * as workflow from './workflow/index.js';
export * as exporter from './export/index.js';

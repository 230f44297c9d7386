/**
 * latentlab: deep generative image models in TypeScript on libtorch.
 *
 *   import { tensor, randn, optim, tidy } from 'latentlab';
 */
export * from './tensor/index.js';
/** Neural-network layers (torch.nn's names, defaults and initialisations) and the Module base. */
export * as nn from './nn/index.js';
/** Datasets: IDX files, the built-in MNIST and Fashion-MNIST, image folders, batch loaders. */
export * as data from './data/index.js';
/** The same module as {@link data}, under a second name. */
export * as datasets from './data/index.js';
/** The models (autoencoders, VAEs, IWAEs, GANs, ...), their interface, capabilities and registry. */
export * as models from './models/index.js';
/** Training: run configuration, the Trainer loop, optimizers, schedules and run folders. */
export * as train from './train/index.js';
/** Using a trained model: encode, decode, sample (prior or post-hoc samplers), reconstruct, interpolate. */
export * as inference from './inference/index.js';
/** Numbers about a trained run: test ELBO, importance-weighted NLL, total correlation, anomaly scores, sample quality. */
export * as evaluation from './eval/index.js';
/** Pictures: image grids, Vega-Lite plots, GIFs, and figures of what a model learned. */
export * as viz from './viz/index.js';
/** Whole workflows as the CLI runs them (train a run end to end). */
export * as workflow from './workflow/index.js';
/** Exporting runs: ONNX models of the decoder and encoder, and the browser latent explorer. */
export * as exporter from './export/index.js';

/** Models by name, built from a run configuration and the dataset's image shape. */
import type { RunConfig } from '../train/config.js';
import { AeConv } from './ae-conv/model.js';
import { AeMlp } from './ae-mlp/model.js';
import type { GenerativeModel } from './types.js';
import { VaeConv } from './vae-conv/model.js';
import { VaeMlp } from './vae-mlp/model.js';

export const MODELS: Record<RunConfig['model'], { description: string; build(c: RunConfig, shape: [number, number, number]): GenerativeModel }> = {
  'vae-mlp': {
    description: 'VAE with one hidden layer (Kingma and Welling 2014)',
    build: (c, shape) => new VaeMlp({ ...common(c, shape), hidden: c.hidden }),
  },
  'vae-conv': {
    description: 'convolutional VAE (strided 32-64 layout, or the Keras 16-8-8 one)',
    build: (c, shape) => new VaeConv({ ...common(c, shape), layout: c.layout ?? 'strided' }),
  },
  'ae-mlp': {
    description: 'plain MLP autoencoder',
    build: (c, shape) => new AeMlp({ ...common(c, shape), hidden: c.hidden }),
  },
  'ae-conv': {
    description: "convolutional autoencoder (the Keras blog's 16-8-8 layout by default)",
    build: (c, shape) => new AeConv({ ...common(c, shape), layout: c.layout ?? 'keras' }),
  },
};

function common(c: RunConfig, imageShape: [number, number, number]) {
  return { latent: c.latent, imageShape, likelihood: c.likelihood, sigma: c.sigma, variance: c.variance };
}

export function createModel(c: RunConfig, imageShape: [number, number, number]): GenerativeModel {
  const entry = MODELS[c.model];
  if (!entry) throw new Error(`unknown model '${c.model}' (known: ${Object.keys(MODELS).join(', ')})`);
  return entry.build(c, imageShape);
}

/** Models by name, built from a run configuration and the dataset's image shape. */
import { CONDITIONAL_MODELS, type RunConfig } from '../train/config.js';
import { AeConv } from './ae-conv/model.js';
import { AeMlp } from './ae-mlp/model.js';
import { Dcgan } from './gan/dcgan.js';
import { GanMlp } from './gan/gan-mlp.js';
import type { AnyModel } from './types.js';
import { VaeConv } from './vae-conv/model.js';
import { VaeMlp } from './vae-mlp/model.js';

type Shape = [number, number, number];

/** Every model by name; `numClasses` is the dataset's, which conditional models are conditioned on. */
export const MODELS: Record<
  RunConfig['model'],
  { description: string; build(c: RunConfig, shape: Shape, numClasses: number): AnyModel }
> = {
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
  cvae: {
    description: 'conditional VAE (Sohn et al. 2015): the MLP VAE with the label joined to x and z',
    build: (c, shape, k) => new VaeMlp({ ...common(c, shape), hidden: c.hidden, numClasses: k }),
  },
  'gan-mlp': {
    description: 'the original GAN (Goodfellow et al. 2014) with MLP networks',
    build: (c, shape) => new GanMlp({ latent: c.latent, imageShape: shape, loss: c.ganLoss, hidden: c.hidden }),
  },
  dcgan: {
    description: 'DCGAN (Radford et al. 2016): strided conv networks with batch norm',
    build: (c, shape) => new Dcgan({ latent: c.latent, imageShape: shape, loss: c.ganLoss, width: c.width }),
  },
  'wgan-gp': {
    description:
      'Wasserstein GAN with gradient penalty (Gulrajani et al. 2017), DCGAN layout without batch norm in the critic',
    build: (c, shape) => new Dcgan({ latent: c.latent, imageShape: shape, loss: 'wasserstein-gp', width: c.width }),
  },
  cgan: {
    description: 'conditional GAN (Mirza and Osindero 2014): the MLP GAN with the label joined to z and x',
    build: (c, shape, k) =>
      new GanMlp({ latent: c.latent, imageShape: shape, loss: c.ganLoss, hidden: c.hidden, numClasses: k }),
  },
};

function common(c: RunConfig, imageShape: Shape) {
  return { latent: c.latent, imageShape, likelihood: c.likelihood, sigma: c.sigma, variance: c.variance };
}

export function createModel(c: RunConfig, imageShape: Shape, numClasses = 0): AnyModel {
  const entry = MODELS[c.model];
  if (!entry) throw new Error(`unknown model '${c.model}' (known: ${Object.keys(MODELS).join(', ')})`);
  if (CONDITIONAL_MODELS.includes(c.model) && numClasses < 2)
    throw new Error(`${c.model} is conditioned on class labels, but the dataset has ${numClasses} class(es)`);
  return entry.build(c, imageShape, numClasses);
}

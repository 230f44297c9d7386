/**
 * The experiment plan of `latentlab reproduce`: the classic experiments of the course notes at
 * three sizes. `full` is the real thing; `quick` runs the same code paths on fewer images and
 * epochs (under 10 minutes on 2 cores); `tiny` shrinks everything further, for CI. Everything
 * that differs between the sizes is here, as data; the sections only read it.
 */
import type { ClassifierProfile } from '../eval/classifier.js';

export const SCALES = ['full', 'quick', 'tiny'] as const;
export type Scale = (typeof SCALES)[number];

/** One run's training: the first `images` training images (null: all of them), `epochs` passes. */
export interface TrainSize {
  images: number | null;
  epochs: number;
}

export interface ExperimentPlan {
  scale: Scale;
  /** The Keras conv autoencoder: the notes train on 1,000 images for 10 epochs; its BCE over `testImages` (null: all). */
  autoencoder: TrainSize & { testImages: number | null };
  /** vae-mlp with z=2 and z=20; importance-weighted NLL with k samples on `iwImages` test images (null: all). */
  vaeMlp: { z2: TrainSize; z20: TrainSize; k: number; iwImages: number | null };
  /** vae-conv, once on MNIST and once on Fashion-MNIST. */
  vaeConv: TrainSize;
  /** beta-VAE sweep and a linear KL warm-up over `warmupEpochs`, all with vae-mlp of `latent` dimensions. */
  beta: TrainSize & { betas: number[]; latent: number; warmupEpochs: number };
  /** Bernoulli against Gaussian decoder; sharpness over the first `compareImages` test images. */
  decoders: TrainSize & { compareImages: number };
  /** Sevens only (z=2, for the manifold), then the one-class table over `classes` with `latentlab anomaly`'s defaults. */
  anomaly: { sevens: TrainSize; table: TrainSize; classes: number[]; k: number };
  /** The GANs; sample quality on `samples` samples. */
  gans: { ganMlp: TrainSize; dcgan: TrainSize; wgan: TrainSize; samples: number };
  /**
   * Beyond the Gaussian prior: vae-mlp (z=20; the vae-mlp section's run when the sizes match), the
   * plain autoencoder, WAE, RAE, beta-TCVAE, FactorVAE and VQ-VAE, each trained at `models`' size;
   * VQ-VAE's PixelCNN prior for `priorEpochs`; sample quality on `samples` samples per sampler;
   * `options`: settings beyond a model's defaults, by model (smaller networks at the tiny scale).
   */
  latentFamily: {
    models: TrainSize;
    priorEpochs: number;
    samples: number;
    options: Record<string, Record<string, number>>;
  };
  /** The feature network of the sample-quality scores: null for the real one, or a reduced one cached apart. */
  classifier: ClassifierProfile | null;
}

const ALL_DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const BETAS = [0.5, 1, 4, 10];

const PLANS: Record<Scale, ExperimentPlan> = {
  full: {
    scale: 'full',
    autoencoder: { images: 1000, epochs: 10, testImages: null },
    vaeMlp: { z2: { images: null, epochs: 20 }, z20: { images: null, epochs: 10 }, k: 5000, iwImages: null },
    vaeConv: { images: null, epochs: 10 },
    beta: { images: null, epochs: 10, betas: BETAS, latent: 10, warmupEpochs: 5 },
    decoders: { images: null, epochs: 10, compareImages: 1000 },
    anomaly: { sevens: { images: null, epochs: 20 }, table: { images: null, epochs: 20 }, classes: ALL_DIGITS, k: 100 },
    gans: {
      ganMlp: { images: null, epochs: 30 },
      dcgan: { images: null, epochs: 10 },
      wgan: { images: null, epochs: 10 },
      samples: 10000,
    },
    latentFamily: { models: { images: null, epochs: 10 }, priorEpochs: 10, samples: 10000, options: {} },
    classifier: null,
  },
  quick: {
    scale: 'quick',
    autoencoder: { images: 1000, epochs: 10, testImages: null },
    vaeMlp: { z2: { images: 10000, epochs: 5 }, z20: { images: 10000, epochs: 5 }, k: 200, iwImages: 1000 },
    vaeConv: { images: 5000, epochs: 3 },
    beta: { images: 10000, epochs: 4, betas: BETAS, latent: 10, warmupEpochs: 2 },
    decoders: { images: 10000, epochs: 4, compareImages: 1000 },
    anomaly: { sevens: { images: null, epochs: 5 }, table: { images: 2000, epochs: 3 }, classes: ALL_DIGITS, k: 20 },
    gans: {
      ganMlp: { images: 20000, epochs: 3 },
      dcgan: { images: 5000, epochs: 2 },
      wgan: { images: 5000, epochs: 2 },
      samples: 2000,
    },
    latentFamily: {
      models: { images: 10000, epochs: 3 },
      priorEpochs: 2,
      samples: 2000,
      // Half-width VQ-VAE and PixelCNN and a smaller FactorVAE discriminator: at the defaults these three alone take some five minutes.
      options: {
        'vq-vae': { width: 32, codeDim: 32, priorWidth: 32, priorLayers: 4 },
        'factor-vae': { discHidden: 500, discLayers: 3 },
      },
    },
    classifier: { images: 10000, epochs: 2 },
  },
  tiny: {
    scale: 'tiny',
    autoencoder: { images: 200, epochs: 2, testImages: 1000 },
    vaeMlp: { z2: { images: 500, epochs: 1 }, z20: { images: 500, epochs: 1 }, k: 10, iwImages: 200 },
    vaeConv: { images: 256, epochs: 1 },
    beta: { images: 500, epochs: 1, betas: BETAS, latent: 10, warmupEpochs: 0.5 },
    decoders: { images: 500, epochs: 1, compareImages: 200 },
    anomaly: { sevens: { images: 300, epochs: 1 }, table: { images: 300, epochs: 1 }, classes: [0, 1], k: 5 },
    gans: {
      ganMlp: { images: 500, epochs: 1 },
      dcgan: { images: 256, epochs: 1 },
      wgan: { images: 256, epochs: 1 },
      samples: 500,
    },
    latentFamily: {
      models: { images: 500, epochs: 1 },
      priorEpochs: 1,
      samples: 500,
      // Small networks: the conv layers and the PixelCNN of VQ-VAE, FactorVAE's discriminator (its test pass scores 10,000 codes twice).
      options: {
        'vq-vae': { width: 8, codeDim: 8, priorWidth: 8, priorLayers: 2 },
        'factor-vae': { discHidden: 100, discLayers: 2 },
      },
    },
    classifier: { images: 2000, epochs: 1 },
  },
};

export function planFor(scale: Scale): ExperimentPlan {
  return structuredClone(PLANS[scale]);
}

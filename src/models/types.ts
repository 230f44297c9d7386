/** What every latentlab model offers the trainer, the evaluation and the pictures. */
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ForwardPlan } from './common/forward-plan.js';

/** Loss terms summed over the batch (divide by the batch size for nats per image). */
export interface LossTerms {
  /** What is minimised: recon + beta * kl. */
  loss: Tensor;
  /** -log p(x|z), in nats. */
  recon: Tensor;
  /** KL(q(z|x) || p(z)); zero for plain autoencoders. */
  kl: Tensor;
  /** recon + kl: the negative ELBO (the reconstruction loss for plain autoencoders). */
  negElbo: Tensor;
}

/**
 * What every model that turns latent vectors into images offers: autoencoders, VAEs and GANs.
 * Conditional models (numClasses > 0) take the class labels `y` [B] (int64) wherever they
 * take images or codes, and throw without them.
 */
export interface ImageGenerator extends Module {
  readonly modelName: string;
  readonly latentDim: number;
  /** [C, H, W] of the images the model reads and writes. */
  readonly imageShape: [number, number, number];
  /** Classes a conditional model is conditioned on; 0 for an unconditional one. */
  readonly numClasses: number;
  /** The image for z [B, latent], in [0, 1], shape [B, C, H, W] (the decoder's mean, or the generator's output). */
  decode(z: Tensor, y?: Tensor): Tensor;
  /** decode() as data (see common/forward-plan.ts), for exporters. */
  decoderPlan(): ForwardPlan;
}

/** Autoencoders and VAEs: an encoder, a decoder and a likelihood. */
export interface GenerativeModel extends ImageGenerator {
  readonly family: 'latent';
  /** Whether encode() gives a distribution (a VAE) rather than a point (an autoencoder). */
  readonly variational: boolean;
  /** The code of x [B, C, H, W]: q(z|x)'s mean and log-variance (null for autoencoders). */
  encode(x: Tensor, y?: Tensor): { mu: Tensor; logvar: Tensor | null };
  /** encode() as data, for exporters: outputs 'mu' and, for VAEs, 'logvar'. */
  encoderPlan(): ForwardPlan;
  /** -log p(x|z) of each image for codes z [B, latent] and images x [B, C, H, W]: [B]. */
  reconNll(z: Tensor, x: Tensor, y?: Tensor): Tensor;
  /** -log p(x|z) for n codes per image: z [n*B, latent] (n blocks of B), x [B, C, H, W]; gives [n, B]. */
  reconNllSamples(z: Tensor, x: Tensor, n: number, y?: Tensor): Tensor;
  /** Loss terms of a batch, sampling z by reparameterisation for VAEs. */
  lossTerms(x: Tensor, beta: number, y?: Tensor): LossTerms;
}

/** How a GAN's two networks are trained against each other. */
export type AdversarialLoss = 'nonsaturating' | 'minimax' | 'wasserstein-gp';

/** GANs: a generator from the prior's samples to images and a discriminator (or critic). */
export interface AdversarialModel extends ImageGenerator {
  readonly family: 'adversarial';
  readonly loss: AdversarialLoss;
  readonly generator: Module;
  readonly discriminator: Module;
  /** The discriminator's logit (or the critic's value) of images x [B, C, H, W] in [0, 1]: [B]. */
  critic(x: Tensor, y?: Tensor): Tensor;
}

export type AnyModel = GenerativeModel | AdversarialModel;

/** The model as an autoencoder or VAE, or a clear error naming what `what` needs. */
export function asLatentModel(model: AnyModel, what: string): GenerativeModel {
  if (model.family !== 'latent') throw new Error(`${what} needs an encoder; ${model.modelName} is a GAN and has none`);
  return model;
}

/** What every latentlab model offers the trainer, the evaluation and the pictures. */
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';

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

export interface GenerativeModel extends Module {
  readonly modelName: string;
  readonly latentDim: number;
  /** [C, H, W] of the images the model reads and writes. */
  readonly imageShape: [number, number, number];
  /** Whether encode() gives a distribution (a VAE) rather than a point (an autoencoder). */
  readonly variational: boolean;
  /** The code of x [B, C, H, W]: q(z|x)'s mean and log-variance (null for autoencoders). */
  encode(x: Tensor): { mu: Tensor; logvar: Tensor | null };
  /** The decoder's mean image for z [B, latent], in [0, 1], shape [B, C, H, W]. */
  decode(z: Tensor): Tensor;
  /** -log p(x|z) of each image for codes z [B, latent] and images x [B, C, H, W]: [B]. */
  reconNll(z: Tensor, x: Tensor): Tensor;
  /** -log p(x|z) for n codes per image: z [n*B, latent] (n blocks of B), x [B, C, H, W]; gives [n, B]. */
  reconNllSamples(z: Tensor, x: Tensor, n: number): Tensor;
  /** Loss terms of a batch, sampling z by reparameterisation for VAEs. */
  lossTerms(x: Tensor, beta: number): LossTerms;
}

/**
 * The shared skeleton of autoencoders and VAEs: an encoder to a code (a point, or a
 * Gaussian's mean and variance), a decoder to the raw parameters of p(x|z), and the loss.
 * A model supplies encodeRaw and decodeRaw; everything else is here once.
 */
import { randnLike, zeros } from '../../tensor/create.js';
import { cat, oneHot } from '../../tensor/functional.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../../nn/module.js';
import { standardNormal, type Capabilities } from '../capabilities.js';
import type { Batch, Model, StepContext, Sums } from '../model.js';
import { Likelihood, type LikelihoodName } from './likelihood.js';
import { gaussianKl, reparameterize } from './losses.js';
import { toLogvar, type VarianceParam } from './posterior.js';

/** The settings every LatentModel takes. */
export interface LatentModelOptions {
  /** Latent dimensions. */
  latent: number;
  /** [C, H, W] of the images. */
  imageShape: [number, number, number];
  /** The decoder's p(x|z): 'bernoulli' (default) or 'gaussian'. */
  likelihood?: LikelihoodName;
  /** The Gaussian decoder's standard deviation, or 'learned'. */
  sigma?: number | 'learned';
  /** How the encoder's raw variance output becomes a log-variance ('logvar' by default). */
  variance?: VarianceParam;
  /** Condition on this many classes (a conditional VAE); 0 or absent for none. */
  numClasses?: number;
  /** The KL term's weight at training time t (epochs); absent: 1. */
  klWeight?: (t: number) => number;
}

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

/** [B, F] features with the one-hot labels appended: [B, F + K], how conditional models see a class. */
export function withLabels(features: Tensor, y: Tensor | undefined, numClasses: number, modelName: string): Tensor {
  if (!numClasses) return features;
  if (!y) throw new Error(`${modelName} is conditional: give the class labels (--label)`);
  if (y.ndim !== 1 || y.size(0) !== features.size(0))
    throw new RangeError(`${modelName}: expected ${features.size(0)} labels, got shape [${y.shape}]`);
  return cat([features, oneHot(y, numClasses).to(features.dtype)], 1);
}

/**
 * Autoencoders and VAEs. The training step minimises the negative ELBO (Kingma and Welling
 * 2014) with the KL term weighted by the schedule's beta; plain autoencoders have no KL term.
 */
export abstract class LatentModel extends Module implements Model {
  abstract readonly modelName: string;
  /** Whether encode() gives a distribution (a VAE) rather than a point (an autoencoder). */
  abstract readonly variational: boolean;
  readonly numClasses: number;
  /** The KL weight beta at training time t (epochs). */
  readonly klWeight: (t: number) => number;
  readonly latentDim: number;
  readonly imageShape: [number, number, number];
  readonly variance: VarianceParam;
  likelihood!: Likelihood;

  constructor(o: LatentModelOptions) {
    super();
    if (!(Number.isInteger(o.latent) && o.latent > 0))
      throw new RangeError(`latent size must be a positive integer, got ${o.latent}`);
    this.latentDim = o.latent;
    this.imageShape = o.imageShape;
    this.variance = o.variance ?? 'logvar';
    this.numClasses = o.numClasses ?? 0;
    this.klWeight = o.klWeight ?? (() => 1);
  }

  get capabilities(): Capabilities {
    return {
      encoder: this,
      decoder: this,
      likelihood: this,
      // A plain autoencoder has no prior of its own: its samples decode N(0, I) codes, which
      // land where its codes happen to lie or not. Only a VAE's posterior has a log-density.
      prior: standardNormal(this.latentDim),
      ...(this.variational ? { posterior: this } : {}),
      ...(this.numClasses ? { conditional: { numClasses: this.numClasses } } : {}),
    };
  }

  parameterGroups(): Record<string, Tensor[]> {
    return { model: this.parameters() };
  }

  /** The labels, for conditional models. */
  protected labels(y: Tensor): Tensor | undefined {
    return this.numClasses ? y : undefined;
  }

  trainingStep(b: Batch, ctx: StepContext): Sums {
    const t = this.lossTerms(b.x, this.klWeight(b.t), this.labels(b.y));
    ctx.step('model', t.loss.div(b.x.size(0)));
    return { loss: t.loss.item(), negElbo: t.negElbo.item(), recon: t.recon.item(), kl: t.kl.item() };
  }

  validationStep(b: Batch): Sums {
    const t = this.lossTerms(b.x, 1, this.labels(b.y));
    return { negElbo: t.negElbo.item(), recon: t.recon.item(), kl: t.kl.item() };
  }

  epochValues(t: number): Record<string, number> {
    return this.variational ? { beta: this.klWeight(t) } : {};
  }

  /** q(z|x) of a VAE; an autoencoder's point code has none. */
  posterior(x: Tensor, y?: Tensor): { mu: Tensor; logvar: Tensor } {
    const { mu, logvar } = this.encode(x, y);
    if (!logvar) throw new Error(`${this.modelName} encodes points, not distributions`);
    return { mu, logvar };
  }

  /** Flat features with the one-hot labels appended, for conditional models. */
  protected condition(features: Tensor, y: Tensor | undefined): Tensor {
    return withLabels(features, y, this.numClasses, this.modelName);
  }

  /** Registers the likelihood last, so that the layers keep PyTorch's parameter order. */
  protected withLikelihood(kind: LikelihoodName = 'bernoulli', sigma: number | 'learned' = 0.1): void {
    this.likelihood = this.module('likelihood', new Likelihood(kind, sigma));
  }

  /** The encoder's outputs for x [B, C, H, W]: the code's mean and, for VAEs, its raw variance. */
  protected abstract encodeRaw(x: Tensor, y?: Tensor): { mu: Tensor; rawVar: Tensor | null };
  /** The decoder's raw output (logits) for z, shaped [B, C, H, W]. */
  protected abstract decodeRaw(z: Tensor, y?: Tensor): Tensor;

  /** Codes of x [B, C, H, W]: mu [B, latent], and logvar [B, latent] for VAEs (null for autoencoders). */
  encode(x: Tensor, y?: Tensor): { mu: Tensor; logvar: Tensor | null } {
    const { mu, rawVar } = this.encodeRaw(x, y);
    return { mu, logvar: rawVar ? toLogvar(rawVar, this.variance) : null };
  }

  /** The decoder's mean image for codes z [B, latent]: [B, C, H, W] in [0, 1]. */
  decode(z: Tensor, y?: Tensor): Tensor {
    return this.likelihood.mean(this.decodeRaw(z, y));
  }

  /** -log p(x|z) of each image for latent codes z [B, latent] and images x [B, C, H, W]: [B]. */
  reconNll(z: Tensor, x: Tensor, y?: Tensor): Tensor {
    return this.likelihood.nllPerImage(this.decodeRaw(z, y), x);
  }

  /** -log p(x|z) for n codes per image: z [n*B, latent] (n blocks of B), x [B, C, H, W]: [n, B] nats. */
  reconNllSamples(z: Tensor, x: Tensor, n: number, y?: Tensor): Tensor {
    const b = x.size(0);
    const yn = y && this.numClasses ? y.repeat(n) : y;
    return this.likelihood.nllSamples(this.decodeRaw(z, yn).reshape(n, b, -1), x.reshape(b, -1));
  }

  /**
   * The batch's loss terms with one reparameterised draw z = mu + sigma * eps (Kingma and Welling
   * 2014): loss = recon + beta * KL(q(z|x) || N(0, I)), summed over the batch of x [B, C, H, W].
   */
  lossTerms(x: Tensor, beta: number, y?: Tensor): LossTerms {
    const { mu, logvar } = this.encode(x, y);
    const z = logvar ? reparameterize(mu, logvar, randnLike(mu)) : mu;
    const recon = this.likelihood.nll(this.decodeRaw(z, y), x);
    const kl = logvar ? gaussianKl(mu, logvar) : zeros([], { dtype: recon.dtype, device: recon.device });
    return { loss: beta === 1 ? recon.add(kl) : recon.add(kl.mul(beta)), recon, kl, negElbo: recon.add(kl) };
  }
}

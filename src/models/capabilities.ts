/**
 * Capabilities instead of families: a model says what it offers, and each command asks for
 * what it needs (`need(model, 'encoder', 'latent-map')`), naming the capability a model lacks.
 * A capability is usually the model itself, seen through one of these interfaces.
 */
import { randn } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Model } from './model.js';

/** Images from flat latent vectors: z [B, latentDim] (and labels y [B] if conditional) -> [B, C, H, W] in [0, 1]. */
export interface LatentDecoder {
  readonly latentDim: number;
  /** The decoder's mean image (or the generator's output). */
  decode(z: Tensor, y?: Tensor): Tensor;
}

/** Flat codes of images: a point (autoencoders) or q(z|x)'s mean and log-variance (VAEs). */
export interface Encoder {
  readonly latentDim: number;
  /** Codes of images x [B, C, H, W]: mu [B, latentDim], and logvar [B, latentDim] for VAEs (null for points). */
  encode(x: Tensor, y?: Tensor): { mu: Tensor; logvar: Tensor | null };
}

/** A diagonal Gaussian posterior q(z|x) = N(mu, diag(exp(logvar))), whose log-density is known. */
export interface Posterior {
  readonly latentDim: number;
  /** How the encoder parameterises the variance ('logvar' or 'softplus'), recorded by exporters. */
  readonly variance: string;
  /** q(z|x) for images x [B, C, H, W]: mean and log-variance, each [B, latentDim]. */
  posterior(x: Tensor, y?: Tensor): { mu: Tensor; logvar: Tensor };
}

/** p(z): draws and log-density over flat codes. */
export interface Prior {
  readonly latentDim: number;
  /** True for N(0, I) (standardNormal), whose KL to a Gaussian posterior has a closed form. */
  readonly standard?: boolean;
  /** n codes [n, latentDim]. */
  sample(n: number): Tensor;
  /** log p(z) over the last dimension: [..., D] -> [...]. */
  logDensity(z: Tensor): Tensor;
}

/** A per-image likelihood p(x|z), for importance sampling and anomaly scores. */
export interface ImageLikelihood {
  /** -log p(x|z) of each image, z [B, latent], x [B, C, H, W]: [B]. */
  reconNll(z: Tensor, x: Tensor, y?: Tensor): Tensor;
  /** -log p(x|z) for n codes per image: z [n*B, latent] (n blocks of B), x [B, C, H, W]: [n, B]. */
  reconNllSamples(z: Tensor, x: Tensor, n: number, y?: Tensor): Tensor;
}

/** A discriminator (or critic) on images in [0, 1]: its logit (or value) per image, [B]. */
export interface Discriminator {
  /** The logit (or critic value) of each image x [B, C, H, W]: [B]. */
  critic(x: Tensor, y?: Tensor): Tensor;
}

/** Images to images of the same batch size (pix2pix's translation). */
export interface ImageToImage {
  /** The translated images for x [B, C, H, W]. */
  translate(x: Tensor): Tensor;
}

/** What a model offers, one optional entry per capability (usually the model itself). */
export interface Capabilities {
  decoder?: LatentDecoder;
  encoder?: Encoder;
  posterior?: Posterior;
  prior?: Prior;
  likelihood?: ImageLikelihood;
  /** Class conditioning: the labels every other capability then takes. */
  conditional?: { numClasses: number };
  discriminator?: Discriminator;
  imageToImage?: ImageToImage;
}

/** A capability's name: 'decoder', 'encoder', 'posterior', ... */
export type Capability = keyof Capabilities;

const WORDS: Record<Capability, string> = {
  decoder: 'a decoder from a flat latent vector',
  encoder: 'an encoder',
  posterior: 'a posterior q(z|x) with a log-density (a VAE)',
  prior: 'a prior to sample codes from',
  likelihood: 'a per-image likelihood p(x|z)',
  conditional: 'class conditioning',
  discriminator: 'a discriminator',
  imageToImage: 'an image-to-image mapping',
};

/** Thrown by {@link need} when a model lacks a capability a command needs. */
export class CapabilityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CapabilityError';
  }
}

/** The names of the capabilities a model offers. */
export function offered(model: Pick<Model, 'capabilities'>): Capability[] {
  return (Object.keys(WORDS) as Capability[]).filter((k) => model.capabilities[k] !== undefined);
}

/** Whether the model offers the capability. */
export function has(model: Pick<Model, 'capabilities'>, cap: Capability): boolean {
  return model.capabilities[cap] !== undefined;
}

/** The capability, or an error saying that `what` needs it and which the model does offer. */
export function need<K extends Capability>(
  model: Pick<Model, 'capabilities' | 'modelName'>,
  cap: K,
  what: string,
): NonNullable<Capabilities[K]> {
  const c = model.capabilities[cap];
  if (c === undefined)
    throw new CapabilityError(
      `${what} needs ${WORDS[cap]}; ${model.modelName} has none (it offers: ${offered(model).join(', ') || 'nothing'})`,
    );
  return c;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** The standard normal N(0, I) over `latentDim` dimensions. */
export function standardNormal(latentDim: number): Prior {
  return {
    latentDim,
    standard: true,
    sample: (n) => randn([n, latentDim]),
    logDensity: (z) =>
      z
        .square()
        .sum(z.ndim - 1)
        .add(latentDim * LOG_2PI)
        .mul(-0.5),
  };
}

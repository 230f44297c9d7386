/**
 * The MLP VAE of Kingma and Welling (2014): one hidden layer to the mean and log-variance of
 * q(z|x), a reparameterised sample, and an MLP decoder to Bernoulli logits. Layer names
 * match ../shared/reference/torch_vae.py (enc, mu, lv, dec.0, dec.2), so checkpoints line up.
 */
import { randnLike } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import { ReLU } from '../../nn/activation.js';
import { Sequential } from '../../nn/container.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { bernoulliNll, gaussianKl, reparameterize } from '../common/losses.js';

export interface VaeMlpConfig {
  /** Pixels per image (784 for MNIST). */
  inputDim: number;
  hidden: number;
  latent: number;
}

export const VAE_MLP_DEFAULTS: VaeMlpConfig = { inputDim: 784, hidden: 400, latent: 20 };

/** Sums over the batch; divide by the batch size for nats per image. */
export interface VaeOutput {
  /** Negative ELBO: reconLoss + kl. */
  loss: Tensor;
  reconLoss: Tensor;
  kl: Tensor;
  logits: Tensor;
  z: Tensor;
  mu: Tensor;
  logvar: Tensor;
}

export class VaeMlp extends Module {
  readonly config: VaeMlpConfig;
  readonly enc: Linear;
  readonly mu: Linear;
  readonly lv: Linear;
  readonly dec: Sequential;

  constructor(config: Partial<VaeMlpConfig> = {}) {
    super();
    const c = (this.config = { ...VAE_MLP_DEFAULTS, ...config });
    this.enc = this.module('enc', new Linear(c.inputDim, c.hidden));
    this.mu = this.module('mu', new Linear(c.hidden, c.latent));
    this.lv = this.module('lv', new Linear(c.hidden, c.latent));
    this.dec = this.module('dec', new Sequential(new Linear(c.latent, c.hidden), new ReLU(), new Linear(c.hidden, c.inputDim)));
  }

  /** Mean and log-variance of q(z|x) for flat images x [B, inputDim]. */
  encode(x: Tensor): { mu: Tensor; logvar: Tensor } {
    const h = this.enc.forward(x).relu();
    return { mu: this.mu.forward(h), logvar: this.lv.forward(h) };
  }

  /** Bernoulli logits of p(x|z). */
  decode(z: Tensor): Tensor {
    return this.dec.forward(z);
  }

  forward(x: Tensor): VaeOutput {
    const { mu, logvar } = this.encode(x);
    const z = reparameterize(mu, logvar, randnLike(mu));
    const logits = this.decode(z);
    const reconLoss = bernoulliNll(logits, x);
    const kl = gaussianKl(mu, logvar);
    return { loss: reconLoss.add(kl), reconLoss, kl, logits, z, mu, logvar };
  }
}

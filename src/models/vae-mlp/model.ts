/**
 * The MLP VAE of Kingma and Welling (2014): one hidden layer to the mean and log-variance of
 * q(z|x), a reparameterised sample, and an MLP decoder. Layer names match
 * bench/reference/torch_vae.py (enc, mu, lv, dec.0, dec.2), so checkpoints line up.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { ReLU } from '../../nn/activation.js';
import { Sequential } from '../../nn/container.js';
import { Linear } from '../../nn/linear.js';
import { LatentModel, type LatentModelOptions } from '../common/latent-model.js';

/** The MLP VAE's settings. */
export interface VaeMlpOptions extends LatentModelOptions {
  /** Hidden units of the encoder's and decoder's hidden layer. */
  hidden: number;
  /** The model's name, for models built on this one (iwae); default vae-mlp, or cvae with classes. */
  name?: string;
}

/** The MLP VAE; with numClasses it is the conditional VAE (Sohn et al. 2015): labels join x and z. */
export class VaeMlp extends LatentModel {
  readonly modelName: string;
  readonly variational = true;
  readonly enc: Linear;
  readonly mu: Linear;
  readonly lv: Linear;
  readonly dec: Sequential;

  constructor(o: VaeMlpOptions) {
    super(o);
    this.modelName = o.name ?? (this.numClasses ? 'cvae' : 'vae-mlp');
    const d = o.imageShape.reduce((a, b) => a * b, 1);
    const k = this.numClasses;
    this.enc = this.module('enc', new Linear(d + k, o.hidden));
    this.mu = this.module('mu', new Linear(o.hidden, o.latent));
    this.lv = this.module('lv', new Linear(o.hidden, o.latent));
    this.dec = this.module(
      'dec',
      new Sequential(new Linear(o.latent + k, o.hidden), new ReLU(), new Linear(o.hidden, d)),
    );
    this.withLikelihood(o.likelihood, o.sigma);
  }

  protected encodeRaw(x: Tensor, y?: Tensor): { mu: Tensor; rawVar: Tensor } {
    const h = this.enc.forward(this.condition(x.reshape(x.size(0), -1), y)).relu();
    return { mu: this.mu.forward(h), rawVar: this.lv.forward(h) };
  }

  protected decodeRaw(z: Tensor, y?: Tensor): Tensor {
    return this.dec.forward(this.condition(z, y)).reshape(z.size(0), ...this.imageShape);
  }
}

/**
 * A deterministic MLP autoencoder, image -> hidden -> code -> hidden -> image, laid out as
 * ae-mlp (PyTorch's parameter order: enc.0, enc.2, dec.0, dec.2, then the likelihood), for the
 * models that add a regulariser to its reconstruction loss (WAE-MMD, RAE). Its capabilities
 * are LatentModel's for a point encoder: an encoder, a decoder, the likelihood p(x|z) and
 * N(0, I) to draw codes from; no posterior, since a point code has no density.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { ReLU } from '../../nn/activation.js';
import { Sequential } from '../../nn/container.js';
import { Linear } from '../../nn/linear.js';
import { LatentModel, type LatentModelOptions } from './latent-model.js';

export interface MlpAutoencoderOptions extends LatentModelOptions {
  hidden: number;
}

export abstract class MlpAutoencoder extends LatentModel {
  readonly variational = false;
  readonly enc: Sequential;
  readonly dec: Sequential;

  constructor(o: MlpAutoencoderOptions) {
    super(o);
    if (o.numClasses) throw new Error('this autoencoder is unconditional');
    const d = o.imageShape.reduce((a, b) => a * b, 1);
    this.enc = this.module('enc', new Sequential(new Linear(d, o.hidden), new ReLU(), new Linear(o.hidden, o.latent)));
    this.dec = this.module('dec', new Sequential(new Linear(o.latent, o.hidden), new ReLU(), new Linear(o.hidden, d)));
    this.withLikelihood(o.likelihood, o.sigma);
  }

  protected encodeRaw(x: Tensor): { mu: Tensor; rawVar: null } {
    return { mu: this.enc.forward(x.reshape(x.size(0), -1)), rawVar: null };
  }

  protected decodeRaw(z: Tensor): Tensor {
    return this.dec.forward(z).reshape(z.size(0), ...this.imageShape);
  }
}

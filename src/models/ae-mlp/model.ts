/** A plain MLP autoencoder: image -> hidden -> code -> hidden -> image, trained on reconstruction alone. */
import type { Tensor } from '../../tensor/tensor.js';
import { ReLU } from '../../nn/activation.js';
import { Sequential } from '../../nn/container.js';
import { Linear } from '../../nn/linear.js';
import { LatentModel, type LatentModelOptions } from '../common/latent-model.js';

export class AeMlp extends LatentModel {
  readonly modelName = 'ae-mlp';
  readonly variational = false;
  readonly enc: Sequential;
  readonly dec: Sequential;

  constructor(o: LatentModelOptions & { hidden: number }) {
    super(o);
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

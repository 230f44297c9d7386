/**
 * A convolutional VAE: conv encoder, dense heads for q(z|x)'s mean and log-variance, a dense
 * layer back to a feature map, and a conv decoder. With the strided layout the parameter
 * names match bench/reference/torch_vae.py's Conv (enc.0, enc.2, mu, lv, fc, dec.0, dec.2).
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { Sequential } from '../../nn/container.js';
import { Linear } from '../../nn/linear.js';
import { LatentModel, type LatentModelOptions } from '../common/latent-model.js';
import { convBodies, type ConvLayout } from '../conv/layouts.js';

/** A convolutional VAE: conv encoder, Gaussian q(z|x), conv decoder; trained on the negative ELBO. */
export class VaeConv extends LatentModel {
  readonly modelName = 'vae-conv';
  readonly variational = true;
  readonly enc: Sequential;
  readonly mu: Linear;
  readonly lv: Linear;
  readonly fc: Linear;
  readonly dec: Sequential;
  readonly features: [number, number, number];

  constructor(o: LatentModelOptions & { layout?: ConvLayout }) {
    super(o);
    const body = convBodies(o.layout ?? 'strided', o.imageShape);
    const flat = body.features.reduce((a, b) => a * b, 1);
    this.features = body.features;
    this.enc = this.module('enc', body.encoder);
    this.mu = this.module('mu', new Linear(flat, o.latent));
    this.lv = this.module('lv', new Linear(flat, o.latent));
    this.fc = this.module('fc', new Linear(o.latent, flat));
    this.dec = this.module('dec', body.decoder);
    this.withLikelihood(o.likelihood, o.sigma);
  }

  protected encodeRaw(x: Tensor): { mu: Tensor; rawVar: Tensor } {
    const h = this.enc.forward(x);
    return { mu: this.mu.forward(h), rawVar: this.lv.forward(h) };
  }

  protected decodeRaw(z: Tensor): Tensor {
    return this.dec.forward(
      this.fc
        .forward(z)
        .relu()
        .reshape(z.size(0), ...this.features),
    );
  }
}

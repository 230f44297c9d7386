/**
 * A convolutional autoencoder. With the Keras layout and a 128-dimensional code it is the
 * Keras blog's classic: the code is the 8x4x4 feature map itself; another latent size adds a
 * dense bottleneck (features -> latent -> features).
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { Sequential } from '../../nn/container.js';
import { Linear } from '../../nn/linear.js';
import { LatentModel, type LatentModelOptions } from '../common/latent-model.js';
import { convBodies, type ConvLayout } from '../conv/layouts.js';

/** A convolutional autoencoder trained on reconstruction alone (keras layout, 128-d code: the Keras blog's classic). */
export class AeConv extends LatentModel {
  readonly modelName = 'ae-conv';
  readonly variational = false;
  readonly enc: Sequential;
  readonly code: Linear | null;
  readonly fc: Linear | null;
  readonly dec: Sequential;
  readonly features: [number, number, number];

  constructor(o: LatentModelOptions & { layout?: ConvLayout }) {
    super(o);
    const body = convBodies(o.layout ?? 'keras', o.imageShape);
    const flat = body.features.reduce((a, b) => a * b, 1);
    this.features = body.features;
    this.enc = this.module('enc', body.encoder);
    const dense = o.latent !== flat;
    this.code = dense ? this.module('code', new Linear(flat, o.latent)) : null;
    this.fc = dense ? this.module('fc', new Linear(o.latent, flat)) : null;
    this.dec = this.module('dec', body.decoder);
    this.withLikelihood(o.likelihood, o.sigma);
  }

  protected encodeRaw(x: Tensor): { mu: Tensor; rawVar: null } {
    const h = this.enc.forward(x);
    return { mu: this.code ? this.code.forward(h) : h, rawVar: null };
  }

  protected decodeRaw(z: Tensor): Tensor {
    const h = this.fc ? this.fc.forward(z).relu() : z;
    return this.dec.forward(h.reshape(z.size(0), ...this.features));
  }
}

/**
 * A fitted density over a model's flat codes, used as the prior p(z) to sample from: a
 * full-covariance Gaussian mixture p(z) = sum_k w_k N(z | mu_k, S_k). The Gaussian sampler is
 * the one-component case. Implements the Prior capability, so that every consumer of a prior
 * (sampling, quality, the explorer) can take it in place of the model's own.
 */
import type { Prior } from '../../models/capabilities.js';
import { call, type Tensor } from '../../tensor/tensor.js';
import { keep, tidy } from '../../tensor/scope.js';
import { choleskyLower, mvnDraw, mvnLogDensity } from './mvn.js';

/** Where sampled codes come from: the model's own prior, or a density fitted to the training codes. */
export const SAMPLER_KINDS = ['prior', 'gaussian', 'gmm'] as const;
/** One of {@link SAMPLER_KINDS}. */
export type SamplerKind = (typeof SAMPLER_KINDS)[number];
export type FittedKind = Exclude<SamplerKind, 'prior'>;

/** A mixture's parameters, float64: weights [K] (summing to 1), means [K, D], covariances [K, D, D]. */
export interface MixtureParams {
  weights: Tensor;
  means: Tensor;
  covariances: Tensor;
}

/** A fitted full-covariance Gaussian mixture over codes, usable wherever a Prior is (sample, logDensity). */
export class MixtureSampler implements Prior {
  readonly latentDim: number;
  readonly components: number;
  readonly #logWeights: Tensor;
  readonly #chol: Tensor;

  /** Takes ownership of `params` (dispose() frees them). */
  constructor(
    readonly kind: FittedKind,
    readonly params: MixtureParams,
  ) {
    const { weights, means, covariances } = params;
    const [k, d] = [means.size(0), means.size(1)];
    if (weights.ndim !== 1 || weights.size(0) !== k || covariances.ndim !== 3 || covariances.size(0) !== k)
      throw new RangeError(
        `mixture parameters disagree: weights [${weights.shape}], means [${means.shape}], covariances [${covariances.shape}]`,
      );
    if (covariances.size(1) !== d || covariances.size(2) !== d)
      throw new RangeError(`covariances must be [${k}, ${d}, ${d}], got [${covariances.shape}]`);
    this.latentDim = d;
    this.components = k;
    this.#logWeights = keep(tidy(() => weights.to({ dtype: 'float64' }).log()));
    this.#chol = keep(choleskyLower(covariances.to({ dtype: 'float64' })));
  }

  /** The lower Cholesky factors [K, D, D] of the covariances (float64; owned by the sampler). */
  get cholesky(): Tensor {
    return this.#chol;
  }

  /** n codes [n, D] (float32, as decoders take): a component k ~ w, then mu_k + L_k eps. */
  sample(n: number): Tensor {
    return this.sampleAt(n, 1);
  }

  /** n codes with every component's spread scaled by `temperature` (its covariance by the square). */
  sampleAt(n: number, temperature: number): Tensor {
    return tidy(() => {
      const c = call('multinomial', this.#logWeights.exp().handle, n, true);
      return mvnDraw(this.params.means, this.#chol, c, temperature).float();
    });
  }

  /** log p(z) = logsumexp_k (log w_k + log N(z | mu_k, S_k)), computed in float64: [..., D] -> [...] in z's dtype. */
  logDensity(z: Tensor): Tensor {
    if (z.size(-1) !== this.latentDim)
      throw new RangeError(`codes must have ${this.latentDim} entries, got shape [${z.shape}]`);
    return tidy(() => {
      const lead = z.shape.slice(0, -1);
      const flat = z.reshape(-1, this.latentDim);
      const per = mvnLogDensity(flat, this.params.means, this.#chol).add(this.#logWeights.unsqueeze(0));
      return per
        .logsumexp(1)
        .reshape(...lead)
        .to({ dtype: z.dtype });
    });
  }

  /** Frees the parameters and the derived tensors. */
  dispose(): void {
    for (const t of [this.params.weights, this.params.means, this.params.covariances, this.#logWeights, this.#chol])
      t.dispose();
  }
}

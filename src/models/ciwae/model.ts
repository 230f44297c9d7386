/**
 * CIWAE, the combination importance-weighted autoencoder (Rainforth, Kosiorek, Le, Maddison,
 * Igl, Wood and Teh 2018, "Tighter Variational Bounds are Not Necessarily Better", ICML;
 * arXiv:1802.04537): the MLP VAE trained on a convex combination of the ELBO and the IWAE
 * bound of the same K samples,
 *   CIWAE(beta)(x) = beta * ELBO_K(x) + (1 - beta) * IWAE_K(x),
 *   ELBO_K = (1/K) sum_k log w_k,  IWAE_K = log (1/K) sum_k w_k,  w_k = p(x|z_k) p(z_k) / q(z_k|x).
 * beta = 1 is the VAE with K samples, beta = 0 is IWAE(K); the ELBO's share keeps the
 * encoder's gradient signal-to-noise ratio up. pythae: models/ciwae (beta, number_samples K).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { ciwaeBound, elboEstimate, iwBound } from '../iw-family/bounds.js';
import { IwFamily, type IwFamilyOptions } from '../iw-family/model.js';
import type { Batch, StepContext, Sums } from '../model.js';

export interface CiwaeOptions extends IwFamilyOptions {
  /** The ELBO's weight in the mix (the paper's beta), in [0, 1]. */
  ciwaeBeta: number;
}

/** CIWAE (Rainforth et al. 2018): the MLP VAE trained on beta * ELBO_K + (1 - beta) * IWAE_K of the same K samples. */
export class Ciwae extends IwFamily {
  readonly beta: number;

  constructor(o: CiwaeOptions) {
    super({ ...o, name: 'ciwae' });
    if (!(o.ciwaeBeta >= 0 && o.ciwaeBeta <= 1)) throw new RangeError(`beta must lie in [0, 1], got ${o.ciwaeBeta}`);
    this.beta = o.ciwaeBeta;
  }

  /** -CIWAE(beta), -IWAE_K and -ELBO_K of the same K samples, summed over the batch. eps: [K, B, D]. */
  bound(x: Tensor, y?: Tensor, eps?: Tensor): { negCiwae: Tensor; negIw: Tensor; negElbo: Tensor } {
    const logw = this.logWeights(x, this.samples, y, eps);
    return {
      negCiwae: ciwaeBound(logw, this.beta).sum().neg(),
      negIw: iwBound(logw).sum().neg(),
      negElbo: elboEstimate(logw).sum().neg(),
    };
  }

  /** One step on -CIWAE(beta) per image; returns the batch's sums of -CIWAE, -IWAE_K and -ELBO_K. */
  override trainingStep(b: Batch, ctx: StepContext): Sums {
    const { negCiwae, negIw, negElbo } = this.bound(b.x, this.labels(b.y));
    ctx.step('model', negCiwae.div(b.x.size(0)));
    return { ciwaeBound: negCiwae.item(), iwBound: negIw.item(), negElbo: negElbo.item() };
  }

  /** The CIWAE and K-sample IWAE bounds and, comparable with vae-mlp's, the one-sample -ELBO and its terms. */
  override validationStep(b: Batch): Sums {
    const { negCiwae, negIw } = this.bound(b.x, this.labels(b.y));
    return { ciwaeBound: negCiwae.item(), iwBound: negIw.item(), ...super.validationStep(b) };
  }
}

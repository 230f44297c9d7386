/**
 * MIWAE, the multiply importance-weighted autoencoder (Rainforth, Kosiorek, Le, Maddison,
 * Igl, Wood and Teh 2018, "Tighter Variational Bounds are Not Necessarily Better", ICML;
 * arXiv:1802.04537): the MLP VAE trained on the mean of M independent K-sample IWAE bounds,
 *   MIWAE(M, K)(x) = (1/M) sum_m log (1/K) sum_k w_mk,  w_mk = p(x|z_mk) p(z_mk) / q(z_mk|x),
 * with M*K samples z_mk ~ q(z|x) per image. M = 1 is IWAE(K); K = 1 the ELBO averaged over M
 * samples. Averaging M estimates keeps the encoder's gradient signal-to-noise ratio, which
 * falls as K grows (the paper's section 3), while K still tightens the bound.
 * pythae: models/miwae (number_gradient_estimates M, number_samples K).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { elboEstimate, miwaeBound } from '../iw-family/bounds.js';
import { checkCount, IwFamily, type IwFamilyOptions } from '../iw-family/model.js';
import type { Batch, StepContext, Sums } from '../model.js';

export interface MiwaeOptions extends IwFamilyOptions {
  /** Independent K-sample estimates averaged in the bound (M). */
  estimates: number;
}

/** MIWAE (Rainforth et al. 2018): the MLP VAE trained on the mean of M independent K-sample IWAE bounds. */
export class Miwae extends IwFamily {
  readonly estimates: number;

  constructor(o: MiwaeOptions) {
    super({ ...o, name: 'miwae' });
    this.estimates = checkCount('estimates', o.estimates);
  }

  /** -MIWAE(M, K) summed over the batch, and the M*K-sample -ELBO estimate (the mean log weight). eps: [M*K, B, D]. */
  bound(x: Tensor, y?: Tensor, eps?: Tensor): { negMiwae: Tensor; negElbo: Tensor } {
    const logw = this.logWeights(x, this.estimates * this.samples, y, eps);
    return { negMiwae: miwaeBound(logw, this.estimates).sum().neg(), negElbo: elboEstimate(logw).sum().neg() };
  }

  /** One step on -MIWAE(M, K) per image; returns the batch's sums of -MIWAE and the M*K-sample -ELBO. */
  override trainingStep(b: Batch, ctx: StepContext): Sums {
    const { negMiwae, negElbo } = this.bound(b.x, this.labels(b.y));
    ctx.step('model', negMiwae.div(b.x.size(0)));
    return { miwaeBound: negMiwae.item(), negElbo: negElbo.item() };
  }

  /** The MIWAE bound and, comparable with vae-mlp's, the one-sample -ELBO and its terms. */
  override validationStep(b: Batch): Sums {
    const { negMiwae } = this.bound(b.x, this.labels(b.y));
    return { miwaeBound: negMiwae.item(), ...super.validationStep(b) };
  }
}

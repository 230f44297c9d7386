/**
 * PIWAE, the partially importance-weighted autoencoder (Rainforth, Kosiorek, Le, Maddison,
 * Igl, Wood and Teh 2018, "Tighter Variational Bounds are Not Necessarily Better", ICML;
 * arXiv:1802.04537): one set of M*K samples z_mk ~ q(z|x) per image, and two objectives,
 *   the encoder (phi):  MIWAE(M, K) = (1/M) sum_m log (1/K) sum_k w_mk,
 *   the decoder (theta): IWAE(M*K)  = log (1/(M K)) sum_{m,k} w_mk,
 * with w_mk = p(x|z_mk) p(z_mk) / q(z_mk|x). The decoder gets the tighter bound (whose gradient
 * improves with more samples), the encoder the MIWAE bound (whose gradient keeps its
 * signal-to-noise ratio). The two are two parameter groups, each with its own optimizer,
 * stepped together through ctx.stepEach. pythae: models/piwae.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { elboEstimate, iwBound, miwaeBound } from '../iw-family/bounds.js';
import { checkCount, IwFamily, type IwFamilyOptions } from '../iw-family/model.js';
import type { Batch, StepContext, Sums } from '../model.js';

export interface PiwaeOptions extends IwFamilyOptions {
  /** Independent K-sample estimates in the encoder's MIWAE bound (M); the decoder's bound takes all M*K. */
  estimates: number;
}

/** PIWAE (Rainforth et al. 2018): the encoder trained on MIWAE(M, K), the decoder on IWAE(M*K) of the same samples. */
export class Piwae extends IwFamily {
  readonly estimates: number;

  constructor(o: PiwaeOptions) {
    super({ ...o, name: 'piwae' });
    this.estimates = checkCount('estimates', o.estimates);
  }

  /** encoder: q(z|x)'s layers (enc, mu, lv); decoder: everything else (the decoder and a learned sigma). */
  override parameterGroups(): Record<string, Tensor[]> {
    const encoder = [this.enc, this.mu, this.lv].flatMap((m) => m.parameters());
    const own = new Set(encoder);
    return { encoder, decoder: this.parameters().filter((p) => !own.has(p)) };
  }

  /** -MIWAE(M, K), -IWAE(M*K) and the -ELBO estimate of the same M*K samples, summed over the batch. eps: [M*K, B, D]. */
  bound(x: Tensor, y?: Tensor, eps?: Tensor): { negMiwae: Tensor; negIw: Tensor; negElbo: Tensor } {
    const logw = this.logWeights(x, this.estimates * this.samples, y, eps);
    return {
      negMiwae: miwaeBound(logw, this.estimates).sum().neg(),
      negIw: iwBound(logw).sum().neg(),
      negElbo: elboEstimate(logw).sum().neg(),
    };
  }

  /** Steps the encoder on -MIWAE(M, K) and the decoder on -IWAE(M*K) together; returns both sums and the -ELBO estimate. */
  override trainingStep(b: Batch, ctx: StepContext): Sums {
    const { negMiwae, negIw, negElbo } = this.bound(b.x, this.labels(b.y));
    const n = b.x.size(0);
    ctx.stepEach({ encoder: negMiwae.div(n), decoder: negIw.div(n) });
    return { iwBound: negIw.item(), miwaeBound: negMiwae.item(), negElbo: negElbo.item() };
  }

  /** Both bounds and, comparable with vae-mlp's, the one-sample -ELBO and its terms. */
  override validationStep(b: Batch): Sums {
    const { negMiwae, negIw } = this.bound(b.x, this.labels(b.y));
    return { iwBound: negIw.item(), miwaeBound: negMiwae.item(), ...super.validationStep(b) };
  }
}

/**
 * The importance-weighted autoencoder (Burda, Grosse and Salakhutdinov 2016): the MLP VAE's
 * networks trained on the k-sample bound
 *   L_k(x) = E[ log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x) ],  z_1..z_k ~ q(z|x),
 * which equals the ELBO at k = 1 and tightens towards log p(x) as k grows. The gradient comes
 * through the reparameterised samples, so each sample's weight is its normalised importance
 * weight (the paper's equation 14).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { IwFamily, type IwFamilyOptions } from '../iw-family/model.js';
import type { Batch, StepContext, Sums } from '../model.js';

export type IwaeOptions = IwFamilyOptions;

/** The log importance weights (`logWeights`, shared with MIWAE, PIWAE and CIWAE) come from IwFamily. */
export class Iwae extends IwFamily {
  constructor(o: IwaeOptions) {
    super({ ...o, name: 'iwae' });
  }

  /** -L_k summed over the batch, and the k-sample -ELBO estimate (the mean log weight) beside it. */
  bound(x: Tensor, k: number, y?: Tensor): { negBound: Tensor; negElbo: Tensor } {
    const logw = this.logWeights(x, k, y);
    return { negBound: logw.logsumexp(0).sub(Math.log(k)).sum().neg(), negElbo: logw.mean(0).sum().neg() };
  }

  /** One step on -L_k per image (k = samples); returns the batch's sums of -L_k and the k-sample -ELBO. */
  override trainingStep(b: Batch, ctx: StepContext): Sums {
    const { negBound, negElbo } = this.bound(b.x, this.samples, this.labels(b.y));
    ctx.step('model', negBound.div(b.x.size(0)));
    return { iwBound: negBound.item(), negElbo: negElbo.item() };
  }

  /** The k-sample bound and, comparable with vae-mlp's, the one-sample -ELBO and its terms. */
  override validationStep(b: Batch): Sums {
    const { negBound } = this.bound(b.x, this.samples, this.labels(b.y));
    return { iwBound: negBound.item(), ...super.validationStep(b) };
  }
}

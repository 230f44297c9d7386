/**
 * The importance-weighted autoencoder (Burda, Grosse and Salakhutdinov 2016): the MLP VAE's
 * networks trained on the k-sample bound
 *   L_k(x) = E[ log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x) ],  z_1..z_k ~ q(z|x),
 * which equals the ELBO at k = 1 and tightens towards log p(x) as k grows. The gradient comes
 * through the reparameterised samples, so each sample's weight is its normalised importance
 * weight (the paper's equation 14).
 */
import { randn } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Batch, StepContext, Sums } from '../model.js';
import { VaeMlp, type VaeMlpOptions } from '../vae-mlp/model.js';

const LOG_2PI = Math.log(2 * Math.PI);

export interface IwaeOptions extends VaeMlpOptions {
  /** Importance samples per image in the training objective (k). */
  samples: number;
}

export class Iwae extends VaeMlp {
  readonly samples: number;

  constructor(o: IwaeOptions) {
    super({ ...o, name: 'iwae' });
    if (!(Number.isInteger(o.samples) && o.samples >= 1))
      throw new RangeError(`samples must be a positive integer, got ${o.samples}`);
    this.samples = o.samples;
  }

  /**
   * The log importance weights log p(x|z_i) + log p(z_i) - log q(z_i|x) of k samples per image: [k, B].
   * With eps ~ N(0, I) and z = mu + sigma * eps, log q(z|x) = -0.5 * (|eps|^2 + sum(logvar) + D log 2pi).
   */
  logWeights(x: Tensor, k: number, y?: Tensor): Tensor {
    const { mu, logvar } = this.posterior(x, y);
    const [b, d] = mu.shape as [number, number];
    const eps = randn([k, b, d], { dtype: mu.dtype, device: mu.device });
    const z = mu.add(logvar.mul(0.5).exp().mul(eps)); // [k, B, D]
    const logq = eps
      .square()
      .sum(2)
      .add(logvar.sum(1).add(d * LOG_2PI))
      .mul(-0.5);
    const logp = z
      .square()
      .sum(2)
      .add(d * LOG_2PI)
      .mul(-0.5);
    const logpx = this.reconNllSamples(z.reshape(k * b, d), x, k, y).neg();
    return logpx.add(logp).sub(logq);
  }

  /** -L_k summed over the batch, and the k-sample -ELBO estimate (the mean log weight) beside it. */
  bound(x: Tensor, k: number, y?: Tensor): { negBound: Tensor; negElbo: Tensor } {
    const logw = this.logWeights(x, k, y);
    return { negBound: logw.logsumexp(0).sub(Math.log(k)).sum().neg(), negElbo: logw.mean(0).sum().neg() };
  }

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

  override epochValues(): Record<string, number> {
    return {};
  }
}

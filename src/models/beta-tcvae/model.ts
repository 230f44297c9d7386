/**
 * beta-TCVAE (Ricky T. Q. Chen, Xuechen Li, Roger Grosse and David Duvenaud 2018, "Isolating
 * Sources of Disentanglement in Variational Autoencoders", NeurIPS; arXiv:1802.04942): the MLP
 * VAE of vae-mlp whose KL term is split into index-code mutual information, total correlation
 * and dimension-wise KL, each with its own weight:
 *   loss = -log p(x|z) + alpha * MI + beta * TC + gamma * dim-KL,
 * one reparameterised sample z ~ q(z|x) per image, the aggregate posterior q(z) estimated from
 * the batch by minibatch weighted (or stratified) sampling over a training set of N images
 * (common/total-correlation.ts), as pythae's BetaTCVAE does; validation batches use the same N,
 * so their MI, TC and dim-KL compare with training's. At alpha = beta = gamma = 1 the
 * loss is the one-sample -ELBO. The reported kl and negElbo use the closed-form KL, comparable
 * with vae-mlp's. Every capability (encoder, decoder, posterior, likelihood, N(0, I) prior) is
 * vae-mlp's, so eval, the pictures and ONNX export work unchanged.
 */
import { randnLike } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import { gaussianKl, reparameterize } from '../common/losses.js';
import { decomposeKl, type TcEstimator } from '../common/total-correlation.js';
import type { Batch, StepContext, Sums } from '../model.js';
import { VaeMlp, type VaeMlpOptions } from '../vae-mlp/model.js';

export interface BetaTcVaeOptions extends VaeMlpOptions {
  /** Weight of the index-code mutual information. */
  alpha: number;
  /** Weight of the total correlation. */
  beta: number;
  /** Weight of the dimension-wise KL. */
  gamma: number;
  /** Images of the training set (N in the estimator's weights); absent: the batch size, as pythae. */
  datasetSize?: number;
  tcEstimator?: TcEstimator;
}

/** The batch's sums: what is minimised, the -ELBO and its terms, and the three parts of the KL. */
export interface TcTerms {
  loss: Tensor;
  negElbo: Tensor;
  recon: Tensor;
  kl: Tensor;
  mi: Tensor;
  tc: Tensor;
  dimKl: Tensor;
}

/** beta-TCVAE (Chen et al. 2018): loss = -log p(x|z) + alpha * MI + beta * TC + gamma * dim-KL per image. */
export class BetaTcVae extends VaeMlp {
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  readonly datasetSize: number | undefined;
  readonly tcEstimator: TcEstimator;

  constructor(o: BetaTcVaeOptions) {
    super({ ...o, name: 'beta-tcvae' });
    if (this.numClasses) throw new Error('beta-tcvae is unconditional');
    for (const k of ['alpha', 'beta', 'gamma'] as const)
      if (!(Number.isFinite(o[k]) && o[k] >= 0)) throw new RangeError(`${k} must be a number >= 0, got ${o[k]}`);
    if (o.datasetSize !== undefined && !(Number.isInteger(o.datasetSize) && o.datasetSize >= 1))
      throw new RangeError(`the dataset size must be a positive integer, got ${o.datasetSize}`);
    this.alpha = o.alpha;
    this.beta = o.beta;
    this.gamma = o.gamma;
    this.datasetSize = o.datasetSize;
    this.tcEstimator = o.tcEstimator ?? 'mws';
  }

  /** The loss and its terms summed over the batch x; eps [B, latent] is N(0, I) noise unless given (tests). */
  tcTerms(x: Tensor, eps?: Tensor): TcTerms {
    const { mu, logvar } = this.posterior(x);
    const z = reparameterize(mu, logvar, eps ?? randnLike(mu));
    const recon = this.likelihood.nll(this.decodeRaw(z), x);
    const kl = gaussianKl(mu, logvar);
    const n = this.datasetSize ?? x.size(0);
    const parts = decomposeKl(z, mu, logvar, n, this.tcEstimator);
    const [mi, tc, dimKl] = [parts.mi.sum(), parts.tc.sum(), parts.dimKl.sum()];
    const loss = recon.add(mi.mul(this.alpha)).add(tc.mul(this.beta)).add(dimKl.mul(this.gamma));
    return { loss, negElbo: recon.add(kl), recon, kl, mi, tc, dimKl };
  }

  override trainingStep(b: Batch, ctx: StepContext): Sums {
    const t = this.tcTerms(b.x);
    ctx.step('model', t.loss.div(b.x.size(0)));
    return sums(t);
  }

  override validationStep(b: Batch): Sums {
    return sums(this.tcTerms(b.x));
  }

  /** No KL schedule: the weights are constant. */
  override epochValues(): Record<string, number> {
    return {};
  }
}

function sums(t: TcTerms): Sums {
  return Object.fromEntries((Object.entries(t) as [string, Tensor][]).map(([k, v]) => [k, v.item()]));
}

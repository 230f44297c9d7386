/**
 * WAE-MMD (Ilya Tolstikhin, Olivier Bousquet, Sylvain Gelly and Bernhard Schoelkopf 2018,
 * "Wasserstein Auto-Encoders", ICLR; arXiv:1711.01558, Algorithm 2): a deterministic
 * autoencoder whose aggregate code distribution q(z) is pulled towards the prior p(z) = N(0, I)
 * by the maximum mean discrepancy between the batch's codes and as many draws from the prior,
 *   loss per image = -log p(x|z) + lambda * MMD^2(q(z), p(z)),
 * with the unbiased U-statistic of common/mmd.ts (an IMQ or RBF kernel; pythae's WAE_MMD). The
 * MMD is one number per batch; its per-image sum is MMD^2 times the batch size, so the trainer's
 * mean over images is the batch-size-weighted mean of the batches' estimates, itself unbiased.
 * A batch of one image has no U-statistic: its MMD term is 0.
 * The prior is the model's own, so `sample` decodes N(0, I) codes as the paper does.
 */
import { randnLike, zeros } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Batch, StepContext, Sums } from '../model.js';
import { MlpAutoencoder, type MlpAutoencoderOptions } from '../common/mlp-autoencoder.js';
import { IMQ_SCALES, mmdUnbiased, type MmdKernel, type MmdKernelName } from '../common/mmd.js';

export interface WaeOptions extends MlpAutoencoderOptions {
  kernel: MmdKernelName;
  /** lambda, the MMD term's weight. */
  mmdWeight: number;
  /** sigma: C = 2 * latent * sigma^2. */
  bandwidth: number;
  /** The IMQ kernel over pythae's seven scales, or C alone. */
  imqScales?: 'multi' | 'one';
}

/** WAE-MMD's terms, summed over the batch (the MMD itself is the batch's one estimate). */
export interface WaeTerms {
  /** recon + lambda * batch size * mmd. */
  loss: Tensor;
  recon: Tensor;
  mmd: Tensor;
}

/** WAE-MMD (Tolstikhin et al. 2018): an MLP autoencoder with loss -log p(x|z) + lambda * MMD^2(q(z), N(0, I)) per image. */
export class Wae extends MlpAutoencoder {
  readonly modelName = 'wae';
  readonly mmdWeight: number;
  readonly kernel: MmdKernel;

  constructor(o: WaeOptions) {
    super(o);
    if (!(o.mmdWeight >= 0)) throw new RangeError(`mmd-weight must be at least 0, got ${o.mmdWeight}`);
    if (!(o.bandwidth > 0)) throw new RangeError(`bandwidth must be positive, got ${o.bandwidth}`);
    this.mmdWeight = o.mmdWeight;
    const scales = o.kernel === 'imq' && (o.imqScales ?? 'multi') === 'multi' ? IMQ_SCALES : [1];
    this.kernel = { kernel: o.kernel, bandwidth: o.bandwidth, scales };
  }

  /** The terms for images x; `prior` [B, latent] are the N(0, I) draws (drawn here unless given). */
  waeTerms(x: Tensor, prior?: Tensor): WaeTerms {
    const z = this.encode(x).mu;
    const recon = this.likelihood.nll(this.decodeRaw(z), x);
    const b = z.size(0);
    const mmd =
      b < 2 ? zeros([], { dtype: z.dtype, device: z.device }) : mmdUnbiased(z, prior ?? randnLike(z), this.kernel);
    return { loss: recon.add(mmd.mul(this.mmdWeight * b)), recon, mmd };
  }

  #sums(t: WaeTerms, b: number): Sums {
    const recon = t.recon.item();
    // negElbo and kl as a plain autoencoder reports them (eval reads them): recon, and 0.
    return { loss: t.loss.item(), recon, mmd: t.mmd.item() * b, negElbo: recon, kl: 0 };
  }

  /** One step on the WAE loss per image; returns the batch's sums (loss, recon, mmd * batch size). */
  override trainingStep(b: Batch, ctx: StepContext): Sums {
    const t = this.waeTerms(b.x);
    ctx.step('model', t.loss.div(b.x.size(0)));
    return this.#sums(t, b.x.size(0));
  }

  /** The same sums without a step, with negElbo = recon and kl = 0 as a plain autoencoder reports them. */
  override validationStep(b: Batch): Sums {
    return this.#sums(this.waeTerms(b.x), b.x.size(0));
  }
}

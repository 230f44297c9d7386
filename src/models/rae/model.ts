/**
 * RAE, the regularised autoencoder (Ghosh et al. 2020, "From Variational to Deterministic
 * Autoencoders", ICLR; arXiv:1903.12436, eq. 11): a deterministic autoencoder trained on
 *   loss per image = -log p(x|z) + beta * 0.5 ||z||^2 + lambda * L_REG,   z = E(x),
 * the second term keeping the code space bounded, the third smoothing the decoder: RAE-L2
 * (L_REG = ||theta_D||^2, one number per batch, so its per-image sum is it times the batch
 * size), RAE-GP (L_REG = ||grad_z D(z)||^2 of each image) or none (the paper's plain "RAE").
 * The paper samples from a Gaussian mixture fitted to the codes after training: `sample
 * --sampler gmm`; the default `sample` decodes N(0, I) codes, which the embedding term only roughly matches.
 */
import { enableGrad } from '../../tensor/autograd.js';
import { zeros } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Batch, StepContext, Sums } from '../model.js';
import { MlpAutoencoder, type MlpAutoencoderOptions } from '../common/mlp-autoencoder.js';
import { gradientPenalty, l2Penalty } from './penalty.js';

export type RaeRegularizer = 'l2' | 'gp' | 'none';

export interface RaeOptions extends MlpAutoencoderOptions {
  regularizer: RaeRegularizer;
  /** beta, the weight of 0.5 ||z||^2. */
  embeddingWeight: number;
  /** lambda, the weight of the decoder's regulariser. */
  regWeight: number;
}

/** RAE's terms, summed over the batch. */
export interface RaeTerms {
  /** recon + beta * embedding + lambda * penalty. */
  loss: Tensor;
  recon: Tensor;
  /** sum_i 0.5 ||z_i||^2. */
  embedding: Tensor;
  /** The decoder regulariser's per-image sum: batch size * ||theta_D||^2 (l2), sum_i ||grad||^2 (gp), or 0. */
  penalty: Tensor;
}

/** RAE (Ghosh et al. 2020): an MLP autoencoder with loss -log p(x|z) + beta * 0.5 ||z||^2 + lambda * L_REG per image. */
export class Rae extends MlpAutoencoder {
  readonly modelName = 'rae';
  readonly regularizer: RaeRegularizer;
  readonly embeddingWeight: number;
  readonly regWeight: number;

  constructor(o: RaeOptions) {
    super(o);
    for (const [k, v] of [
      ['embedding-weight', o.embeddingWeight],
      ['reg-weight', o.regWeight],
    ] as const)
      if (!(v >= 0)) throw new RangeError(`${k} must be at least 0, got ${v}`);
    if (!['l2', 'gp', 'none'].includes(o.regularizer))
      throw new RangeError(`regularizer must be l2, gp or none, got '${o.regularizer}'`);
    this.regularizer = o.regularizer;
    this.embeddingWeight = o.embeddingWeight;
    this.regWeight = o.regWeight;
  }

  /**
   * The terms for images x. The gradient penalty differentiates the decoder inside the step, so
   * autograd must be on (training; validation turns it on for that); `createGraph` keeps the
   * penalty differentiable for training.
   */
  raeTerms(x: Tensor, createGraph = true): RaeTerms {
    const z = this.encode(x).mu;
    const raw = this.decodeRaw(z);
    const recon = this.likelihood.nll(raw, x);
    const embedding = z.square().sum().mul(0.5);
    const penalty =
      this.regularizer === 'gp'
        ? gradientPenalty(this.likelihood.mean(raw), z, createGraph)
        : this.regularizer === 'l2'
          ? l2Penalty(this.dec.parameters()).mul(z.size(0))
          : zeros([], { dtype: recon.dtype, device: recon.device });
    const loss = recon.add(embedding.mul(this.embeddingWeight)).add(penalty.mul(this.regWeight));
    return { loss, recon, embedding, penalty };
  }

  #sums(t: RaeTerms): Sums {
    const recon = t.recon.item();
    // negElbo and kl as a plain autoencoder reports them (eval reads them): recon, and 0.
    return {
      loss: t.loss.item(),
      recon,
      embedding: t.embedding.item(),
      decoderPenalty: t.penalty.item(),
      negElbo: recon,
      kl: 0,
    };
  }

  /** One step on the RAE loss per image; returns the batch's sums of the loss and its terms. */
  override trainingStep(b: Batch, ctx: StepContext): Sums {
    const t = this.raeTerms(b.x);
    ctx.step('model', t.loss.div(b.x.size(0)));
    return this.#sums(t);
  }

  /** The same sums without a step, with negElbo = recon and kl = 0 as a plain autoencoder reports them. */
  override validationStep(b: Batch): Sums {
    // The trainer validates without gradients; the gradient penalty needs one (not its graph).
    return this.regularizer === 'gp'
      ? enableGrad(() => this.#sums(this.raeTerms(b.x, false)))
      : this.#sums(this.raeTerms(b.x, false));
  }
}

/**
 * FactorVAE (Hyunjik Kim and Andriy Mnih 2018, "Disentangling by Factorising", ICML;
 * arXiv:1802.05983): the MLP VAE of vae-mlp with a penalty on the total correlation of its
 * codes, estimated by a discriminator on codes (discriminator.ts):
 *   VAE loss           = -log p(x|z) + KL(q(z|x) || N(0, I)) + gamma * log D(z)/(1 - D(z)),
 *   discriminator loss = 0.5 * (CE(D(z), q) + CE(D(permute(z)), product)),
 * two parameter groups with their own optimizers (the paper's Algorithm 1; pythae's FactorVAE),
 * both stepped on one batch's gradients before either changes. As in disentanglement_lib, the
 * permuted codes are the same batch's (pythae splits the batch in two halves instead), so that
 * the VAE trains on every image; they are detached, so the discriminator's loss moves only the
 * discriminator. The capabilities are vae-mlp's: the discriminator is not part of the decoder
 * or encoder that eval, the pictures and ONNX export use.
 */
import { randnLike } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Sequential } from '../../nn/container.js';
import { gaussianKl, reparameterize } from '../common/losses.js';
import type { Batch, StepContext, Sums } from '../model.js';
import { VaeMlp, type VaeMlpOptions } from '../vae-mlp/model.js';
import { codeDiscriminator, discriminatorLoss, permuteDims, tcFromLogits } from './discriminator.js';

export interface FactorVaeOptions extends VaeMlpOptions {
  /** Weight of the total-correlation penalty. */
  gamma: number;
  /** Hidden units of the discriminator's layers. */
  discHidden: number;
  /** Hidden layers of the discriminator. */
  discLayers: number;
}

/** The batch's sums: the VAE's loss and terms, the discriminator's TC estimate, and its loss (a mean). */
export interface FactorTerms {
  loss: Tensor;
  negElbo: Tensor;
  recon: Tensor;
  kl: Tensor;
  tc: Tensor;
  dLoss: Tensor;
}

/** FactorVAE (Kim and Mnih 2018): the MLP VAE plus gamma times a code discriminator's estimate of the total correlation. */
export class FactorVae extends VaeMlp {
  readonly gamma: number;
  readonly disc: Sequential;

  constructor(o: FactorVaeOptions) {
    super({ ...o, name: 'factor-vae' });
    if (this.numClasses) throw new Error('factor-vae is unconditional');
    if (!(Number.isFinite(o.gamma) && o.gamma >= 0))
      throw new RangeError(`gamma must be a number >= 0, got ${o.gamma}`);
    for (const k of ['discHidden', 'discLayers'] as const)
      if (!(Number.isInteger(o[k]) && o[k] >= 1)) throw new RangeError(`${k} must be a positive integer, got ${o[k]}`);
    this.gamma = o.gamma;
    this.disc = this.module('disc', codeDiscriminator(o.latent, o.discHidden, o.discLayers));
  }

  /** The VAE's weights (encoder, decoder, likelihood) and the discriminator's, one optimizer each. */
  override parameterGroups(): Record<string, Tensor[]> {
    const named = this.namedParameters();
    return {
      model: named.filter(([n]) => !n.startsWith('disc.')).map(([, p]) => p),
      discriminator: this.disc.parameters(),
    };
  }

  /** The losses and terms for images x; eps [B, latent] is N(0, I) noise unless given (tests). */
  factorTerms(x: Tensor, eps?: Tensor): FactorTerms {
    const { mu, logvar } = this.posterior(x);
    const z = reparameterize(mu, logvar, eps ?? randnLike(mu));
    const recon = this.likelihood.nll(this.decodeRaw(z), x);
    const kl = gaussianKl(mu, logvar);
    const logits = this.disc.forward(z);
    const tc = tcFromLogits(logits).sum();
    const dLoss = discriminatorLoss(logits, this.disc.forward(permuteDims(z.detach())));
    return { loss: recon.add(kl).add(tc.mul(this.gamma)), negElbo: recon.add(kl), recon, kl, tc, dLoss };
  }

  override trainingStep(b: Batch, ctx: StepContext): Sums {
    const t = this.factorTerms(b.x);
    const n = b.x.size(0);
    ctx.stepEach({ model: t.loss.div(n), discriminator: t.dLoss });
    return sums(t, n);
  }

  override validationStep(b: Batch): Sums {
    return sums(this.factorTerms(b.x), b.x.size(0));
  }

  /** No KL schedule. */
  override epochValues(): Record<string, number> {
    return {};
  }
}

/** Per-batch sums; the discriminator's loss is a mean, so it counts once per image. */
function sums(t: FactorTerms, n: number): Sums {
  const s = Object.fromEntries((Object.entries(t) as [string, Tensor][]).map(([k, v]) => [k, v.item()]));
  return { ...s, dLoss: s.dLoss! * n };
}

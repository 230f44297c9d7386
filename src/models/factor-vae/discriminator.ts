/**
 * FactorVAE's discriminator on codes (Hyunjik Kim and Andriy Mnih 2018, "Disentangling by
 * Factorising", ICML; arXiv:1802.05983): an MLP with two logits that tells codes z ~ q(z)
 * (class 0) from codes of the product of its marginals (class 1), the latter made by permuting
 * each dimension across the batch (the paper's Algorithm 1). With D(z) the probability of
 * class 0, the density-ratio trick gives TC(z) = KL(q(z) || prod_d q(z_d)) ~ E[log D/(1 - D)],
 * and log D/(1 - D) is the difference of the two logits. Layout and labels as pythae's
 * FactorVAEDiscriminator: Linear + LeakyReLU(0.2) layers, then a Linear to 2.
 */
import { LeakyReLU } from '../../nn/activation.js';
import { Sequential } from '../../nn/container.js';
import { Linear } from '../../nn/linear.js';
import type { Layer } from '../../nn/module.js';
import { full, randperm } from '../../tensor/create.js';
import { crossEntropy, stack } from '../../tensor/functional.js';
import type { Tensor } from '../../tensor/tensor.js';

/** latent -> hidden (LeakyReLU 0.2) x layers -> 2 logits; the paper's is 6 layers of 1000 units. */
export function codeDiscriminator(latent: number, hidden: number, layers: number): Sequential {
  const parts: Layer[] = [];
  for (let i = 0; i < layers; i++) parts.push(new Linear(i ? hidden : latent, hidden), new LeakyReLU(0.2));
  return new Sequential(...parts, new Linear(layers ? hidden : latent, 2));
}

/**
 * Codes z [B, D] with each dimension's column shuffled by its own random permutation, so that
 * the dimensions are independent while each keeps its marginal: samples of prod_d q(z_d).
 */
export function permuteDims(z: Tensor): Tensor {
  const [b, d] = z.shape as [number, number];
  const index = stack(
    Array.from({ length: d }, () => randperm(b, { device: z.device })),
    1,
  );
  return z.gather(0, index);
}

/** log D(z)/(1 - D(z)) of each code from the discriminator's logits [B, 2]: logit 0 - logit 1, [B]. */
export function tcFromLogits(logits: Tensor): Tensor {
  return logits.select(1, 0).sub(logits.select(1, 1));
}

/**
 * The discriminator's loss: 0.5 * (cross-entropy of q(z)'s codes as class 0 + of the permuted
 * codes as class 1), each a mean over its batch.
 */
export function discriminatorLoss(logitsQ: Tensor, logitsPermuted: Tensor): Tensor {
  const label = (t: Tensor, c: number): Tensor => full([t.size(0)], c, { dtype: 'int64', device: t.device });
  return crossEntropy(logitsQ, label(logitsQ, 0))
    .add(crossEntropy(logitsPermuted, label(logitsPermuted, 1)))
    .mul(0.5);
}

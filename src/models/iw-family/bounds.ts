/**
 * The bounds of the importance-weighted family, from log importance weights
 * log w = log p(x|z) + log p(z) - log q(z|x) of n samples per image, shaped [n, B]; each
 * returns the per-image value [B] (a lower bound on log p(x), to maximise). Rainforth et al.
 * 2018, "Tighter Variational Bounds are Not Necessarily Better" (ICML), section 4.
 */
import type { Tensor } from '../../tensor/tensor.js';

/** The IWAE bound over all n samples: log (1/n) sum_i w_i (Burda et al. 2016). */
export function iwBound(logw: Tensor): Tensor {
  return logw.logsumexp(0).sub(Math.log(logw.size(0)));
}

/** The ELBO estimate of the same samples: the mean log weight, (1/n) sum_i log w_i. */
export function elboEstimate(logw: Tensor): Tensor {
  return logw.mean(0);
}

/**
 * MIWAE(M, K): (1/M) sum_m log (1/K) sum_k w_mk, the mean of M independent K-sample IWAE
 * bounds; logw holds M*K samples, estimate m in rows m*K .. m*K + K - 1. M = 1 is IWAE(K),
 * K = 1 the ELBO with M samples.
 */
export function miwaeBound(logw: Tensor, m: number): Tensor {
  const n = logw.size(0);
  if (!(Number.isInteger(m) && m >= 1 && n % m === 0))
    throw new RangeError(`${n} log weights do not split into ${m} estimates`);
  const k = n / m;
  return logw.reshape(m, k, -1).logsumexp(1).sub(Math.log(k)).mean(0);
}

/** CIWAE(beta): beta * ELBO_K + (1 - beta) * IWAE_K over the same K samples. */
export function ciwaeBound(logw: Tensor, beta: number): Tensor {
  if (!(beta >= 0 && beta <= 1)) throw new RangeError(`beta must lie in [0, 1], got ${beta}`);
  return elboEstimate(logw)
    .mul(beta)
    .add(iwBound(logw).mul(1 - beta));
}

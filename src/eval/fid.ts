/**
 * Sample-quality scores on a classifier's features (see classifier.ts):
 *   Fréchet distance (Heusel et al. 2017, "FID-style"): |m1 - m2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))
 *   Inception-style score (Salimans et al. 2016): exp(E_x KL(p(y|x) || p(y)))
 *   class histogram of samples: how many classes a generator covers (mode collapse)
 * Statistics are computed in float64; the matrix square root by symmetric eigendecomposition.
 */
import { callMany, type Tensor } from '../tensor/tensor.js';
import { tidy } from '../tensor/scope.js';

/** Mean [D] and covariance [D, D] of features [N, D], in float64. */
export function featureStats(features: Tensor): { mean: Tensor; cov: Tensor } {
  return tidy(() => {
    const f = features.to('float64');
    const mean = f.mean(0);
    const c = f.sub(mean);
    return {
      mean,
      cov: c
        .t()
        .matmul(c)
        .div(Math.max(1, f.size(0) - 1)),
    };
  });
}

/** Symmetric PSD square root via eigendecomposition (negative eigenvalues from rounding clipped to 0). */
function sqrtPsd(m: Tensor): Tensor {
  return tidy(() => {
    const [values, vectors] = callMany('linalg_eigh', m.handle, 'L') as [Tensor, Tensor];
    return vectors.mul(values.clamp(0).sqrt()).matmul(vectors.t());
  });
}

/** Fréchet distance between Gaussians fitted to two sets of features. */
export function frechetDistance(a: Tensor, b: Tensor): number {
  return tidy(() => {
    const s1 = featureStats(a);
    const s2 = featureStats(b);
    const r = sqrtPsd(s1.cov);
    // Tr((S1 S2)^(1/2)) = Tr((S1^(1/2) S2 S1^(1/2))^(1/2)), whose argument is symmetric PSD.
    const middle = sqrtPsd(r.matmul(s2.cov).matmul(r));
    const diff = s1.mean.sub(s2.mean).square().sum().item();
    return diff + s1.cov.add(s2.cov).sub(middle.mul(2)).diagonal().sum().item();
  });
}

/** exp(E_x KL(p(y|x) || p(y))) for class probabilities [N, C]: 1 (useless) to C (sharp and diverse). */
export function inceptionScore(probs: Tensor): number {
  return tidy(() => {
    const p = probs.to('float64').clamp(1e-12, 1);
    const py = p.mean(0, true);
    return Math.exp(p.mul(p.log().sub(py.log())).sum(1).mean().item());
  });
}

/** Count of each predicted class, and how many classes hold at least `minShare` of the samples. */
export function classHistogram(probs: Tensor, minShare = 0.01): { counts: number[]; covered: number; entropy: number } {
  const pred = tidy(() => probs.argmax(1).toArray());
  const counts = new Array<number>(probs.size(1)).fill(0);
  for (const k of pred) counts[k]!++;
  const n = pred.length;
  const entropy = -counts.reduce((h, c) => (c ? h + (c / n) * Math.log(c / n) : h), 0);
  return { counts, covered: counts.filter((c) => c / n >= minShare).length, entropy };
}

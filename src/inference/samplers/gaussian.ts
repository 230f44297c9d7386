/**
 * The simplest fitted sampler: one full-covariance Gaussian N(m, S) fitted by maximum
 * likelihood to the training codes (Ghosh et al. 2020's ex-post density estimation, the
 * one-component case; Dai and Wipf 2019 point out the mismatch it repairs between N(0, I)
 * and the aggregate posterior).
 */
import { onesLike } from '../../tensor/create.js';
import { tidy } from '../../tensor/scope.js';
import type { Tensor } from '../../tensor/tensor.js';
import { maximisation } from './gmm.js';
import type { MixtureParams } from './mixture.js';

/**
 * The maximum-likelihood Gaussian of points x [N, D], as a one-component mixture (float64):
 * m = (1/N) sum_i x_i, S = (1/N) sum_i (x_i - m)(x_i - m)^T + ridge I (the 1/N estimate, not
 * 1/(N-1), so that it is the K = 1 case of the mixture fit and its BIC).
 */
export function fitGaussian(points: Tensor, ridge = 1e-6): MixtureParams {
  if (points.ndim !== 2 || points.size(0) < 2)
    throw new RangeError(`a Gaussian needs points [N >= 2, D], got [${points.shape}]`);
  return tidy(() => {
    const x = points.to({ dtype: 'float64' });
    return maximisation(x, onesLike(x.slice(1, 0, 1)), ridge);
  });
}

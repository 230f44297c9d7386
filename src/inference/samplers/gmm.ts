/**
 * Fitting a Gaussian mixture with full covariances by expectation-maximisation (Dempster,
 * Laird and Rubin 1977), as scikit-learn's GaussianMixture (which pythae's
 * GaussianMixtureSampler calls) does it: k-means starting point, a small ridge added to every
 * covariance, and iterations until the mean log-likelihood per point gains less than a tolerance.
 * Everything runs in float64 under a fixed seed, so that the same codes give the same fit.
 */
import { call, type Tensor } from '../../tensor/tensor.js';
import { eye } from '../../tensor/create.js';
import { cat } from '../../tensor/functional.js';
import { withSeed } from '../../tensor/runtime.js';
import { disposeAll, tidy } from '../../tensor/scope.js';
import { kmeans } from './kmeans.js';
import type { MixtureParams } from './mixture.js';
import { choleskyLower, mvnLogDensity } from './mvn.js';

/** Settings of fitGmm's EM iterations. */
export interface EmOptions {
  /** Seed of the k-means++ starting point (default 0). */
  seed?: number;
  /** Stop when the mean log-likelihood per point gains less than this (default 1e-3, scikit-learn's). */
  tol?: number;
  /** At most this many EM iterations (default 500). */
  maxIter?: number;
  /** Added to every covariance's diagonal, so that it stays invertible (default 1e-6, scikit-learn's reg_covar). */
  ridge?: number;
}

/** A fitted Gaussian mixture and how the fit went. */
export interface GmmFit {
  params: MixtureParams;
  /** Mean log-likelihood per point under the returned parameters (nats). */
  meanLogLikelihood: number;
  /** EM iterations run. */
  iterations: number;
  /** Whether the gain fell below `tol` before maxIter. */
  converged: boolean;
}

/**
 * E-step: responsibilities r_ik = w_k N(x_i | mu_k, S_k) / sum_j w_j N(x_i | mu_j, S_j) [N, K]
 * and the mean log-likelihood (1/N) sum_i log sum_k w_k N(x_i | mu_k, S_k).
 */
export function expectation(x: Tensor, p: MixtureParams, ridge = 1e-6): { resp: Tensor; meanLogLikelihood: number } {
  return tidy(() => {
    const chol = choleskyLower(p.covariances, ridge);
    const joint = mvnLogDensity(x, p.means, chol).add(p.weights.log().unsqueeze(0)); // [N, K]
    const total = joint.logsumexp(1, true);
    return { resp: joint.sub(total).exp(), meanLogLikelihood: total.mean().item() };
  });
}

/**
 * M-step: with N_k = sum_i r_ik, w_k = N_k / N, mu_k = sum_i r_ik x_i / N_k and
 * S_k = sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T / N_k + ridge I.
 */
export function maximisation(x: Tensor, resp: Tensor, ridge = 1e-6): MixtureParams {
  return tidy(() => {
    const [n, d] = [x.size(0), x.size(1)];
    const nk = resp.sum(0).add(1e-12); // an empty component keeps finite parameters
    const means = resp.t().matmul(x).div(nk.unsqueeze(1));
    const id = eye(d, { dtype: 'float64' });
    const covs: Tensor[] = [];
    for (let k = 0; k < resp.size(1); k++) {
      const diff = x.sub(means.select(0, k));
      const weighted = diff.mul(resp.select(1, k).unsqueeze(1));
      covs.push(weighted.t().matmul(diff).div(nk.select(0, k)).add(id.mul(ridge)).unsqueeze(0));
    }
    return { weights: nk.div(n), means, covariances: cat(covs, 0) };
  });
}

/**
 * A K-component full-covariance Gaussian mixture fitted to points x [N, D] by EM (Dempster et
 * al. 1977), started from the k-means clusters (k-means++ seeding, Arthur and Vassilvitskii
 * 2007): iterate E and M steps until the mean log-likelihood gains less than `tol`.
 */
export function fitGmm(points: Tensor, k: number, o: EmOptions = {}): GmmFit {
  const { seed = 0, tol = 1e-3, maxIter = 500, ridge = 1e-6 } = o;
  if (points.ndim !== 2) throw new RangeError(`points must be [N, D], got [${points.shape}]`);
  if (!Number.isInteger(k) || k < 1)
    throw new RangeError(`the number of components must be a positive integer, got ${k}`);
  if (k > points.size(0)) throw new RangeError(`cannot fit ${k} components to ${points.size(0)} points`);
  return withSeed(seed, () =>
    tidy(() => {
      const x = points.to({ dtype: 'float64' });
      let params = tidy(() => {
        const { labels } = kmeans(x, k);
        return maximisation(x, call('one_hot', labels.handle, k).to({ dtype: 'float64' }), ridge);
      });
      let previous = -Infinity;
      for (let iter = 1; ; iter++) {
        const e = expectation(x, params, ridge);
        const converged = Math.abs(e.meanLogLikelihood - previous) < tol;
        if (converged || iter > maxIter) {
          e.resp.dispose();
          return { params, meanLogLikelihood: e.meanLogLikelihood, iterations: iter - 1, converged };
        }
        previous = e.meanLogLikelihood;
        const next = maximisation(x, e.resp, ridge);
        disposeAll([params, e.resp]);
        params = next;
      }
    }),
  );
}

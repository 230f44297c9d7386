/**
 * The multivariate normal N(mu, S) through the lower Cholesky factor L of S (S = L L^T), in
 * float64: its log-density for many codes and components at once, and its draws mu + L eps.
 */
import { callMany, callNamed, type Tensor } from '../../tensor/tensor.js';
import { eye, randn } from '../../tensor/create.js';
import { cat } from '../../tensor/functional.js';
import { tidy } from '../../tensor/scope.js';

const LOG_2PI = Math.log(2 * Math.PI);
/** Elements of the [K, D, chunk] whitened differences made at once (bounds memory for large N). */
const CHUNK_ELEMENTS = 1 << 22;

/**
 * Lower Cholesky factors [K, D, D] of covariances [K, D, D]. A matrix that is not positive
 * definite (rounding, a collapsed component) gets `ridge` more on its diagonal, ten times
 * more each try; after six tries it is an error naming the component.
 */
export function choleskyLower(covs: Tensor, ridge = 1e-6): Tensor {
  return tidy(() => {
    const d = covs.size(-1);
    const id = eye(d, { dtype: covs.dtype });
    const factors: Tensor[] = [];
    for (let k = 0; k < covs.size(0); k++) {
      let jitter = 0;
      for (let attempt = 0; ; attempt++) {
        const m = jitter ? covs.select(0, k).add(id.mul(jitter)) : covs.select(0, k);
        const [l, info] = callMany('linalg_cholesky_ex', m.handle) as [Tensor, Tensor];
        if (info.item() === 0) {
          factors.push(l.unsqueeze(0));
          break;
        }
        if (attempt === 6) throw new RangeError(`covariance of component ${k} is not positive definite`);
        jitter = jitter ? jitter * 10 : ridge;
      }
    }
    return cat(factors, 0);
  });
}

/**
 * log N(z | mu_k, S_k) of every code under every component: z [N, D], means [K, D], lower
 * Cholesky factors chol [K, D, D] -> [N, K] (float64), with
 *   log N(z | mu, L L^T) = -1/2 (D log 2pi + 2 sum_i log L_ii + |L^{-1} (z - mu)|^2).
 */
export function mvnLogDensity(z: Tensor, means: Tensor, chol: Tensor): Tensor {
  return tidy(() => {
    const x = z.to({ dtype: 'float64' });
    const [n, d] = [x.size(0), x.size(1)];
    const k = means.size(0);
    const logdet = chol.diagonal(0, 1, 2).log().sum(1).mul(2); // [K]
    const step = Math.max(1, Math.floor(CHUNK_ELEMENTS / (k * d)));
    const parts: Tensor[] = [];
    for (let i = 0; i < n; i += step) {
      const diff = x
        .slice(0, i, Math.min(n, i + step))
        .unsqueeze(0)
        .sub(means.unsqueeze(1))
        .transpose(1, 2); // [K, D, b]
      const white = callNamed('linalg_solve_triangular', [chol.handle, diff.contiguous().handle], { upper: false });
      parts.push(white.square().sum(1).t()); // [b, K]
    }
    return cat(parts, 0)
      .add(logdet.unsqueeze(0))
      .add(d * LOG_2PI)
      .mul(-0.5);
  });
}

/** Draws mu_c + t L_c eps for components c [n] (int64): [n, D] float64; t (the temperature) scales the spread. */
export function mvnDraw(means: Tensor, chol: Tensor, components: Tensor, temperature = 1): Tensor {
  return tidy(() => {
    const d = means.size(1);
    const n = components.size(0);
    const eps = randn([n, d], { dtype: 'float64' });
    // Every component's draw from the same noise [K, n, D], then the chosen one per row.
    const all = eps.matmul(chol.transpose(1, 2)).mul(temperature).add(means.unsqueeze(1));
    const index = components.reshape(1, n, 1).expand(1, n, d);
    return all.gather(0, index).squeeze(0);
  });
}

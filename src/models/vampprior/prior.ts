/**
 * The VampPrior's log-density (Tomczak and Welling 2018, "VAE with a VampPrior", AISTATS;
 * arXiv:1705.07120): a mixture of K diagonal Gaussians with equal weights,
 *   p(z) = (1/K) sum_k N(z; mu_k, diag(exp(logvar_k))),
 *   log p(z) = logsumexp_k log N(z; mu_k, diag(exp(logvar_k))) - log K.
 */
import { onesLike } from '../../tensor/create.js';
import { cat } from '../../tensor/functional.js';
import type { Tensor } from '../../tensor/tensor.js';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * log p(z) of codes z [..., D] under the mixture of the K components mu, logvar [K, D]: [...].
 * Each component's log-density is quadratic in z,
 *   log N(z; mu_k, var_k) = -0.5 * [sum_d P_kd z_d^2 - 2 sum_d mu_kd P_kd z_d + sum_d (mu_kd^2 P_kd + logvar_kd) + D log 2pi]
 * with P = 1/var, so the [N, K] matrix of N codes is one product [z^2, z, 1] [N, 2D+1] times
 * [2D+1, K]: no [N, K, D] tensor is made (eval's chunks hold 4096 codes against K = 500). The
 * expansion subtracts large terms where z is near a narrow component, so it is computed in
 * float64 (cheap beside the decoder) and the result returned in z's dtype.
 */
export function mixtureLogDensity(z: Tensor, mu: Tensor, logvar: Tensor): Tensor {
  const [k, d] = mu.shape as [number, number];
  if (logvar.ndim !== 2 || logvar.size(0) !== k || logvar.size(1) !== d)
    throw new RangeError(`logvar must be [${k}, ${d}] like mu, got [${logvar.shape}]`);
  if (z.ndim < 1 || z.size(z.ndim - 1) !== d) throw new RangeError(`codes must be [..., ${d}], got [${z.shape}]`);
  const lead = z.shape.slice(0, -1);
  const zz = z.reshape(-1, d).double(); // [N, D]
  const m = mu.double();
  const lv = logvar.double();
  const prec = lv.neg().exp(); // [K, D]
  const constant = m
    .square()
    .mul(prec)
    .add(lv)
    .sum(1, true)
    .add(d * LOG_2PI); // [K, 1]
  const coef = cat([prec, m.mul(prec).mul(-2), constant], 1).mul(-0.5); // [K, 2D+1]
  const ones = onesLike(zz.narrow(1, 0, 1)); // [N, 1]
  const logComponents = cat([zz.square(), zz, ones], 1).matmul(coef.t()); // [N, K]
  return logComponents
    .logsumexp(1)
    .sub(Math.log(k))
    .to({ dtype: z.dtype })
    .reshape(...lead);
}

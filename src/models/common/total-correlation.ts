/**
 * The KL decomposition of Chen et al. (2018, "Isolating Sources of Disentanglement in VAEs",
 * NeurIPS; arXiv:1802.04942), for a batch of codes z_i ~ q(z|x_i) with a diagonal Gaussian
 * posterior and the prior N(0, I):
 *   E[log q(z|x) - log p(z)] = MI + TC + dim-KL,
 *   MI     = log q(z_i|x_i) - log q(z_i)              (index-code mutual information)
 *   TC     = log q(z_i) - sum_d log q(z_id)            (total correlation)
 *   dim-KL = sum_d log q(z_id) - log p(z_i)            (dimension-wise KL)
 * where the aggregate posterior q(z) = (1/N) sum_n q(z|x_n) over a dataset of N images is
 * estimated from the batch: minibatch weighted sampling (MWS),
 *   log q(z_i) ~ logsumexp_j log q(z_i|x_j) - log(N M)  (M the batch size),
 * and the same per dimension; or minibatch stratified sampling (MSS) with Chen et al.'s weight
 * matrix. Both follow pythae's BetaTCVAE (and Chen et al.'s vae_quant.py) term for term.
 */
import { tensor } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** How q(z) is estimated from a batch: minibatch weighted or minibatch stratified sampling. */
export type TcEstimator = 'mws' | 'mss';

/** The three terms of each image, [B] each; their sum is the one-sample estimate of KL(q(z|x) || p(z)). */
export interface KlDecomposition {
  mi: Tensor;
  tc: Tensor;
  dimKl: Tensor;
}

/** log N(z; mu, diag(exp(logvar))) of each coordinate, broadcasting: -0.5 (log 2pi + logvar + (z - mu)^2 / exp(logvar)). */
export function logNormalElementwise(z: Tensor, mu: Tensor, logvar: Tensor): Tensor {
  return z.sub(mu).square().mul(logvar.neg().exp()).add(logvar).add(LOG_2PI).mul(-0.5);
}

/**
 * log of MSS's importance weights [B, B] for a batch of B from N images (Chen et al.'s
 * _log_importance_weight_matrix as pythae copies it, including where its last rows place the
 * stratum weight): 1/N on the diagonal, (N - M) / (N M) next to it, 1/M elsewhere, M = B - 1.
 */
export function mssLogWeights(batch: number, datasetSize: number): Tensor {
  if (!(Number.isInteger(batch) && batch >= 2)) throw new RangeError(`MSS needs a batch of at least 2, got ${batch}`);
  const n = datasetSize;
  const m = batch - 1;
  const w = new Array<number>(batch * batch).fill(1 / m);
  for (let i = 0; i < w.length; i += m + 1) w[i] = 1 / n;
  for (let i = 1; i < w.length; i += m + 1) w[i] = (n - m) / (n * m);
  w[(m - 1) * batch] = (n - m) / (n * m);
  return tensor(w.map(Math.log)).reshape(batch, batch);
}

/**
 * MI, TC and dim-KL of each of B codes z [B, D] drawn from the posteriors mu, logvar [B, D],
 * the batch drawn from a dataset of `datasetSize` images. A batch of one uses MWS (MSS needs two).
 */
export function decomposeKl(
  z: Tensor,
  mu: Tensor,
  logvar: Tensor,
  datasetSize: number,
  estimator: TcEstimator = 'mws',
): KlDecomposition {
  if (z.ndim !== 2 || mu.ndim !== 2 || logvar.ndim !== 2)
    throw new RangeError(
      `codes, means and log-variances must be [B, D], got [${z.shape}], [${mu.shape}], [${logvar.shape}]`,
    );
  const [b, d] = z.shape as [number, number];
  for (const [name, t] of [
    ['means', mu],
    ['log-variances', logvar],
  ] as const)
    if (t.size(0) !== b || t.size(1) !== d)
      throw new RangeError(`${name} must be [${b}, ${d}] like the codes, got [${t.shape}]`);
  if (!(Number.isFinite(datasetSize) && datasetSize >= 1))
    throw new RangeError(`the dataset size must be at least 1, got ${datasetSize}`);
  const logQzx = logNormalElementwise(z, mu, logvar).sum(1);
  const logPz = z.square().add(LOG_2PI).sum(1).mul(-0.5);
  // [B, B, D]: log q(z_i,d | x_j), codes i along dim 0, posteriors j along dim 1.
  const pairs = logNormalElementwise(z.unsqueeze(1), mu.unsqueeze(0), logvar.unsqueeze(0));
  let logQz: Tensor;
  let logProd: Tensor;
  if (estimator === 'mss' && b >= 2) {
    const w = mssLogWeights(b, datasetSize).to({ dtype: z.dtype, device: z.device });
    logQz = pairs.sum(2).add(w).logsumexp(1);
    logProd = pairs.add(w.unsqueeze(2)).logsumexp(1).sum(1);
  } else {
    const logNM = Math.log(b * datasetSize);
    logQz = pairs.sum(2).logsumexp(1).sub(logNM);
    logProd = pairs.logsumexp(1).sub(logNM).sum(1);
  }
  return { mi: logQzx.sub(logQz), tc: logQz.sub(logProd), dimKl: logProd.sub(logPz) };
}

/**
 * The total correlation of a VAE's codes over a dataset, TC = KL(q(z) || prod_d q(z_d)) with
 * q(z) = (1/N) sum_n q(z|x_n) the aggregate posterior of the N images (Chen et al. 2018,
 * "Isolating Sources of Disentanglement in VAEs", NeurIPS; arXiv:1802.04942, section 3): one
 * code z_n ~ q(z|x_n) per image with the evaluation's seed, then the mean over the images of
 *   log q(z_n) - sum_d log q(z_nd),
 * q estimated within batches of about 500 codes (near-equal, so that none is tiny) from their
 * posteriors. Any model with a posterior works (vae-mlp, beta-tcvae, factor-vae, ...).
 *
 * The estimator is minibatch stratified sampling (MSS) by default: minibatch weighted
 * sampling weighs every other image's posterior by 1/(N M) where it stands for about N/M
 * images, which lowers each log q(z_d) by about log N and raises the TC by about
 * D log N - log M nats (some 180 nats for 20 dimensions and 10,000 test images), an offset
 * that depends on N and M. MSS weighs them by about 1/M and gives the TC itself.
 */
import type { BatchLoader } from '../data/loader.js';
import { need } from '../models/capabilities.js';
import { decomposeKl, type TcEstimator } from '../models/common/total-correlation.js';
import type { Model } from '../models/model.js';
import { noGrad } from '../tensor/autograd.js';
import { randnLike } from '../tensor/create.js';
import { cat } from '../tensor/functional.js';
import { withSeed } from '../tensor/runtime.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { EVAL_SEED } from '../train/validation.js';

/** The decomposition of the KL term's aggregate (Chen et al. 2018): MI + TC + dimension-wise KL. */
export interface TcResult {
  /** Total correlation, nats per image. */
  tc: number;
  /** Index-code mutual information, nats per image. */
  mi: number;
  /** Dimension-wise KL, nats per image. */
  dimKl: number;
  /** Images the estimate is over. */
  images: number;
}

/** How the total correlation is estimated. */
export interface TcOptions {
  /** Codes per estimation batch (at most; default 500). */
  batch?: number;
  estimator?: TcEstimator;
}

/** TC, MI and dim-KL per image of the model's codes of every image the loader gives. */
export function totalCorrelation(model: Model, loader: BatchLoader, o: TcOptions = {}): TcResult {
  const post = need(model, 'posterior', 'the total-correlation estimate');
  const wasTraining = model.training;
  model.eval();
  try {
    return withSeed(EVAL_SEED, () =>
      noGrad(() =>
        tidy(() => {
          const codes = [...loader.epoch()].map((b) => {
            const { x, y } = b.load();
            const { mu, logvar } = post.posterior(x, model.numClasses ? y : undefined);
            return { mu, logvar, z: mu.add(logvar.mul(0.5).exp().mul(randnLike(mu))) };
          });
          const all = (k: 'mu' | 'logvar' | 'z'): Tensor => cat(codes.map((c) => c[k]));
          return codesTc(all('z'), all('mu'), all('logvar'), o);
        }),
      ),
    );
  } finally {
    model.train(wasTraining);
  }
}

/**
 * TC, MI and dim-KL per image of codes z [N, D] drawn from the posteriors mu, logvar [N, D]
 * of all N images, the estimate of q taken within near-equal batches of at most `batch`.
 */
export function codesTc(z: Tensor, mu: Tensor, logvar: Tensor, o: TcOptions = {}): TcResult {
  const n = z.size(0);
  if (n < 2) throw new RangeError(`the total-correlation estimate needs at least 2 images, got ${n}`);
  const size = o.batch ?? 500;
  if (!(Number.isInteger(size) && size >= 2)) throw new RangeError(`the TC batch must be at least 2, got ${size}`);
  const sums = { tc: 0, mi: 0, dimKl: 0 };
  const parts = Math.min(Math.ceil(n / size), Math.floor(n / 2)); // every batch at least 2 codes
  for (let p = 0, start = 0; p < parts; p++) {
    const len = Math.floor((n * (p + 1)) / parts) - start;
    const cut = (t: Tensor): Tensor => t.narrow(0, start, len);
    tidy(() => {
      const d = decomposeKl(cut(z), cut(mu), cut(logvar), n, o.estimator ?? 'mss');
      sums.tc += d.tc.sum().item();
      sums.mi += d.mi.sum().item();
      sums.dimKl += d.dimKl.sum().item();
    });
    start += len;
  }
  return { tc: sums.tc / n, mi: sums.mi / n, dimKl: sums.dimKl / n, images: n };
}

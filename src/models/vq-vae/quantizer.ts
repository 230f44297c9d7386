/**
 * VQ-VAE's vector quantiser (van den Oord, Vinyals and Kavukcuoglu 2017, "Neural Discrete
 * Representation Learning", sec. 3.1-3.2): a codebook e of K codes of dimension D; each encoder
 * output z_e is replaced by its nearest code,
 *   k = argmin_j ||z_e - e_j||^2,   z_q = e_k,
 * and gradients pass to the encoder straight through, z_q = z_e + sg[e_k - z_e]. The codebook
 * learns either from the codebook loss ||sg[z_e] - e||^2 (with the optimizer), or by exponential
 * moving averages (the paper's appendix A.1; Sonnet's VectorQuantizerEMA, pythae's QuantizerEMA):
 *   N_i <- g N_i + (1 - g) n_i,   m_i <- g m_i + (1 - g) sum_{z_e: k = i} z_e,   e_i = m_i / N~_i
 * with N~ the counts Laplace-smoothed, N~_i = (N_i + eps) / (sum N + K eps) * sum N.
 */
import { noGrad } from '../../tensor/autograd.js';
import { ones, randint, randperm, tensor, zeros } from '../../tensor/create.js';
import { embedding, oneHot, where } from '../../tensor/functional.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../../nn/module.js';

/** Sonnet's epsilon of the Laplace smoothing. */
const EPS = 1e-5;

export interface QuantizerOptions {
  codes: number;
  codeDim: number;
  /** EMA decay g; null: the codebook learns from the codebook loss. */
  ema: number | null;
}

export class VectorQuantizer extends Module {
  readonly codes: number;
  readonly codeDim: number;
  readonly decay: number | null;
  /** e [K, D]: a parameter, or with EMA a buffer the updates write. */
  readonly codebook: Tensor;
  /** EMA only: the smoothed counts N [K] and sums m [K, D]. */
  readonly emaCount: Tensor | null;
  readonly emaSum: Tensor | null;
  /** Vectors each code took since the last restart check [K] (float, saved so that a resumed run goes on alike). */
  readonly hits: Tensor;
  /** 1 once the codebook has been set from encoder outputs. */
  readonly ready: Tensor;

  constructor(o: QuantizerOptions) {
    super();
    if (!(Number.isInteger(o.codes) && o.codes >= 1)) throw new RangeError(`codes must be >= 1, got ${o.codes}`);
    if (!(Number.isInteger(o.codeDim) && o.codeDim >= 1))
      throw new RangeError(`code dimension must be >= 1, got ${o.codeDim}`);
    if (o.ema !== null && !(o.ema > 0 && o.ema < 1)) throw new RangeError(`EMA decay must be in (0, 1), got ${o.ema}`);
    this.codes = o.codes;
    this.codeDim = o.codeDim;
    this.decay = o.ema;
    // pythae's and Sonnet's start, U(-1/K, 1/K); the first training step replaces it (restart()).
    const init = zeros([o.codes, o.codeDim]).uniform_(-1 / o.codes, 1 / o.codes);
    this.codebook = o.ema === null ? this.param('codebook', init) : this.buffer('codebook', init);
    // The EMA starts as if each code had taken one vector, itself: e = m / N is the code, and an
    // unused code stays put while both decay (a zero start would divide a decayed sum by eps).
    this.emaCount = o.ema === null ? null : this.buffer('ema_count', ones([o.codes]));
    this.emaSum = o.ema === null ? null : this.buffer('ema_sum', init.clone());
    this.hits = this.buffer('hits', zeros([o.codes]));
    this.ready = this.buffer('ready', zeros([]));
  }

  /** Index of the nearest code of each row of z [N, D]: argmin_j ||z - e_j||^2 = ||z||^2 - 2 z.e_j + ||e_j||^2, [N] int64. */
  nearest(z: Tensor): Tensor {
    const e = this.codebook;
    return z.square().sum(1, true).sub(z.matmul(e.t()).mul(2)).add(e.square().sum(1)).argmin(1);
  }

  /** The codes of indices (any shape): [..., D]. */
  lookup(indices: Tensor): Tensor {
    return embedding(this.codebook, indices);
  }

  /**
   * EMA codebook update from the flat encoder outputs z [N, D] (detached) and their codes [N];
   * the per-code counts n [K] are given. Training only.
   */
  emaUpdate(z: Tensor, indices: Tensor): void {
    const g = this.decay!;
    const count = this.emaCount!;
    const sum = this.emaSum!;
    noGrad(() => {
      const onehot = oneHot(indices, this.codes).to({ dtype: z.dtype }); // [N, K]
      count.mul_(g).add_(onehot.sum(0).mul(1 - g));
      sum.mul_(g).add_(
        onehot
          .t()
          .matmul(z)
          .mul(1 - g),
      );
      const total = count.sum();
      const smoothed = count
        .add(EPS)
        .div(total.add(this.codes * EPS))
        .mul(total);
      this.codebook.copy_(sum.div(smoothed.unsqueeze(1)));
    });
  }

  /** Adds a batch's per-code counts to the hits since the last check. */
  addHits(counts: number[]): void {
    noGrad(() => this.hits.add_(tensor(counts, { dtype: this.hits.dtype, device: this.hits.device })));
  }

  /**
   * Restarts the codes no vector took since the last check (all of them before the first step)
   * at encoder outputs of this batch drawn at random, without replacement while there are enough
   * (Jukebox's random restarts: Dhariwal et al. 2020, sec. 3.2; its first step sets the whole
   * codebook from encoder outputs the same way). An EMA code restarts with N = 1, m = the code.
   * Returns how many codes were restarted; the hits start again from 0.
   */
  restart(z: Tensor): number {
    return noGrad(() => {
      const first = this.ready.item() === 0;
      const dead = first ? ones([this.codes], { dtype: 'bool' }) : this.hits.eq(0);
      const n = first ? this.codes : dead.sum().item();
      if (n > 0) {
        const rows = z.size(0);
        const pick =
          rows >= this.codes
            ? randperm(rows).narrow(0, 0, this.codes)
            : randint(0, rows, [this.codes], { dtype: 'int64' });
        const fresh = z.indexSelect(0, pick.to({ device: z.device })); // [K, D]
        const at = dead.unsqueeze(1);
        this.codebook.copy_(where(at, fresh, this.codebook));
        this.emaSum?.copy_(where(at, fresh, this.emaSum));
        this.emaCount?.copy_(where(dead, 1, this.emaCount));
      }
      this.hits.zero_();
      this.ready.fill_(1);
      return n;
    });
  }
}

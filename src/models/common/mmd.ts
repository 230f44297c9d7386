/**
 * The maximum mean discrepancy between two samples (Gretton et al. 2012, "A Kernel Two-Sample
 * Test", JMLR), in the form WAE-MMD minimises (Tolstikhin et al. 2018, "Wasserstein
 * Auto-Encoders", ICLR; arXiv:1711.01558, Algorithm 2): for codes z_1..z_n of a batch and as
 * many prior draws p_1..p_n, the unbiased U-statistic
 *   MMD^2 = 1/(n(n-1)) sum_{i != j} [k(z_i, z_j) + k(p_i, p_j)] - 2/n^2 sum_{i,j} k(z_i, p_j).
 * Kernels as in the paper and pythae's WAE_MMD, with C = 2 * latent * bandwidth^2 (the paper
 * takes 2 d sigma^2, sigma^2 the prior's variance):
 *   inverse multiquadratic  k(x, y) = sum_s s C / (s C + ||x - y||^2), over scales s,
 *   RBF                     k(x, y) = exp(-||x - y||^2 / C).
 */
import type { Tensor } from '../../tensor/tensor.js';

/** Inverse multiquadric C / (C + ||a - b||^2) or Gaussian exp(-||a - b||^2 / C). */
export type MmdKernelName = 'imq' | 'rbf';

/** The scales the IMQ kernel sums over in the paper's code and pythae (the multi-scale kernel). */
export const IMQ_SCALES: readonly number[] = [0.1, 0.2, 0.5, 1, 2, 5, 10];

/** A kernel for the MMD; the IMQ kernel sums s C / (s C + ||a - b||^2) over its scales s. */
export interface MmdKernel {
  kernel: MmdKernelName;
  /** sigma: C = 2 * latent * sigma^2. */
  bandwidth: number;
  /** The IMQ kernel's scales s (the RBF kernel has one, C itself); absent: [1]. */
  scales?: readonly number[];
}

/** ||a_i - b_j||^2 for a [N, D] and b [M, D]: [N, M]. */
export function squaredDistances(a: Tensor, b: Tensor): Tensor {
  return a.unsqueeze(1).sub(b.unsqueeze(0)).square().sum(2);
}

/** The kernel's values k(a_i, b_j) for a [N, D] and b [M, D]: [N, M]. */
export function kernelMatrix(a: Tensor, b: Tensor, k: MmdKernel): Tensor {
  const d2 = squaredDistances(a, b);
  const c = 2 * a.size(1) * k.bandwidth * k.bandwidth;
  if (k.kernel === 'rbf') return d2.div(-c).exp();
  const scales = k.scales ?? [1];
  if (scales.length === 0) throw new RangeError('the IMQ kernel needs at least one scale');
  return scales
    .map((s) =>
      d2
        .add(s * c)
        .reciprocal()
        .mul(s * c),
    )
    .reduce((sum, term) => sum.add(term));
}

/**
 * The unbiased estimate of MMD^2 between codes z [n, D] and prior draws p [n, D], a scalar
 * (Tolstikhin et al. 2018, Algorithm 2). The diagonals k(z_i, z_i) and k(p_i, p_i) are left
 * out of the within-sample sums; the cross term keeps every pair. Needs n >= 2.
 */
export function mmdUnbiased(z: Tensor, p: Tensor, k: MmdKernel): Tensor {
  if (z.ndim !== 2 || p.ndim !== 2 || z.size(0) !== p.size(0) || z.size(1) !== p.size(1))
    throw new RangeError(`MMD: codes and prior draws must both be [n, D], got [${z.shape}] and [${p.shape}]`);
  const n = z.size(0);
  if (n < 2) throw new RangeError(`MMD: the unbiased estimate needs at least 2 codes, got ${n}`);
  if (!(k.bandwidth > 0)) throw new RangeError(`MMD: the kernel bandwidth must be positive, got ${k.bandwidth}`);
  const offDiagonal = (m: Tensor): Tensor => m.sum().sub(m.diagonal().sum());
  const within = offDiagonal(kernelMatrix(z, z, k)).add(offDiagonal(kernelMatrix(p, p, k)));
  return within.div(n * (n - 1)).sub(
    kernelMatrix(z, p, k)
      .sum()
      .mul(2 / (n * n)),
  );
}

/**
 * Tensor methods, part of the class chain in core.ts: comparisons (bool results), reductions and matrix products. Each calls one ATen operator.
 */
import { call, callMany, type TensorOrNumber } from './core.js';
import type { Tensor } from './tensor.js';
import { ElementwiseTensor } from './ops-elementwise.js';

export class ReduceTensor extends ElementwiseTensor {
  // --- comparisons (bool results) ---------------------------------------------------
  /** this == other, elementwise (bool). */
  eq(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('eq.Scalar', this.handle, other)
      : call('eq.Tensor', this.handle, other.handle);
  }
  /** this != other, elementwise (bool). */
  ne(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('ne.Scalar', this.handle, other)
      : call('ne.Tensor', this.handle, other.handle);
  }
  /** this > other, elementwise (bool). */
  gt(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('gt.Scalar', this.handle, other)
      : call('gt.Tensor', this.handle, other.handle);
  }
  /** this >= other, elementwise (bool). */
  ge(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('ge.Scalar', this.handle, other)
      : call('ge.Tensor', this.handle, other.handle);
  }
  /** this < other, elementwise (bool). */
  lt(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('lt.Scalar', this.handle, other)
      : call('lt.Tensor', this.handle, other.handle);
  }
  /** this <= other, elementwise (bool). */
  le(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('le.Scalar', this.handle, other)
      : call('le.Tensor', this.handle, other.handle);
  }
  /** True where an element is neither infinite nor NaN (bool). */
  isFinite(): Tensor {
    return call('isfinite', this.handle);
  }
  /** True when every element is non-zero (a bool scalar tensor). */
  all(): Tensor {
    return call('all', this.handle);
  }
  /** True when some element is non-zero (a bool scalar tensor). */
  any(): Tensor {
    return call('any', this.handle);
  }

  // --- reductions -------------------------------------------------------------------
  /** Sum of all elements, or over `dim` (a number or list). */
  sum(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? call('sum', this.handle) : call('sum.dim_IntList', this.handle, dims(dim), keepdim);
  }
  /** Mean of all elements, or over `dim` (a number or list). */
  mean(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? call('mean', this.handle) : call('mean.dim', this.handle, dims(dim), keepdim);
  }
  /** Maximum of all elements (a scalar tensor). */
  max(): Tensor {
    return call('max', this.handle);
  }
  /** Maximum along `dim`, with the index of each maximum. */
  maxDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = callMany('max.dim', this.handle, dim, keepdim) as [Tensor, Tensor];
    return { values, indices };
  }
  /** Minimum of all elements (a scalar tensor). */
  min(): Tensor {
    return call('min', this.handle);
  }
  /** Minimum along `dim`, with the index of each minimum. */
  minDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = callMany('min.dim', this.handle, dim, keepdim) as [Tensor, Tensor];
    return { values, indices };
  }
  /** Index of the maximum along `dim` (of the flattened tensor when omitted), int64. */
  argmax(dim?: number, keepdim = false): Tensor {
    return call('argmax', this.handle, dim ?? null, keepdim);
  }
  /** Index of the minimum along `dim` (of the flattened tensor when omitted), int64. */
  argmin(dim?: number, keepdim = false): Tensor {
    return call('argmin', this.handle, dim ?? null, keepdim);
  }
  /** log(sum(exp(x))) over `dim`, computed stably. */
  logsumexp(dim: number | number[], keepdim = false): Tensor {
    return call('logsumexp', this.handle, dims(dim), keepdim);
  }
  /** Variance over `dim` (all elements when omitted); `correction` 1 is the unbiased estimate. */
  var(dim?: number | number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return call(
      'var.correction',
      this.handle,
      dim === undefined ? null : dims(dim),
      opts.correction ?? 1,
      opts.keepdim ?? false,
    );
  }
  /** Standard deviation over `dim` (all elements when omitted); `correction` as in var(). */
  std(dim?: number | number[], opts: { correction?: number; keepdim?: boolean } = {}): Tensor {
    return call(
      'std.correction',
      this.handle,
      dim === undefined ? null : dims(dim),
      opts.correction ?? 1,
      opts.keepdim ?? false,
    );
  }
  /** p-norm of all elements. */
  norm(p = 2): Tensor {
    return call('norm.Scalar', this.handle, p);
  }

  // --- linear algebra ---------------------------------------------------------------
  /** Matrix product with broadcasting over leading dimensions (torch.matmul). */
  matmul(other: Tensor): Tensor {
    return call('matmul', this.handle, other.handle);
  }
  /** Matrix product of 2-D tensors: [n, k] x [k, m] -> [n, m]. */
  mm(other: Tensor): Tensor {
    return call('mm', this.handle, other.handle);
  }
  /** Batched matrix product: [B, n, k] x [B, k, m] -> [B, n, m]. */
  bmm(other: Tensor): Tensor {
    return call('bmm', this.handle, other.handle);
  }
}

function dims(d: number | number[]): number[] {
  return typeof d === 'number' ? [d] : d;
}

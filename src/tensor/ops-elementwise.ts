/**
 * Tensor methods, part of the class chain in core.ts: elementwise arithmetic and activations. Each calls one ATen operator.
 */
import { call, type TensorOrNumber } from './core.js';
import type { Tensor } from './tensor.js';
import { ShapeTensor } from './ops-shape.js';

export class ElementwiseTensor extends ShapeTensor {
  // --- elementwise arithmetic -------------------------------------------------------
  /** this + alpha * other */
  add(other: TensorOrNumber, alpha = 1): Tensor {
    return typeof other === 'number'
      ? call('add.Scalar', this.handle, other, alpha)
      : call('add.Tensor', this.handle, other.handle, alpha);
  }
  /** this - alpha * other */
  sub(other: TensorOrNumber, alpha = 1): Tensor {
    return typeof other === 'number'
      ? call('sub.Scalar', this.handle, other, alpha)
      : call('sub.Tensor', this.handle, other.handle, alpha);
  }
  /** Elementwise product, broadcasting. */
  mul(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('mul.Scalar', this.handle, other)
      : call('mul.Tensor', this.handle, other.handle);
  }
  /** Elementwise true division, broadcasting. */
  div(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('div.Scalar', this.handle, other)
      : call('div.Tensor', this.handle, other.handle);
  }
  /** this ** exponent, elementwise. */
  pow(exponent: TensorOrNumber): Tensor {
    return typeof exponent === 'number'
      ? call('pow.Tensor_Scalar', this.handle, exponent)
      : call('pow.Tensor_Tensor', this.handle, exponent.handle);
  }
  /** -this */
  neg(): Tensor {
    return call('neg', this.handle);
  }
  /** e ** this */
  exp(): Tensor {
    return call('exp', this.handle);
  }
  /** Natural logarithm. */
  log(): Tensor {
    return call('log', this.handle);
  }
  /** log(1 + this), accurate for small values. */
  log1p(): Tensor {
    return call('log1p', this.handle);
  }
  /** Square root. */
  sqrt(): Tensor {
    return call('sqrt', this.handle);
  }
  /** 1 / sqrt(this) */
  rsqrt(): Tensor {
    return call('rsqrt', this.handle);
  }
  /** this * this */
  square(): Tensor {
    return call('square', this.handle);
  }
  /** Absolute value. */
  abs(): Tensor {
    return call('abs', this.handle);
  }
  /** -1, 0 or 1 by the sign of each element. */
  sign(): Tensor {
    return call('sign', this.handle);
  }
  /** Rounds down. */
  floor(): Tensor {
    return call('floor', this.handle);
  }
  /** Rounds to the nearest integer, halves to even (as torch.round). */
  round(): Tensor {
    return call('round', this.handle);
  }
  /** 1 / this */
  reciprocal(): Tensor {
    return call('reciprocal', this.handle);
  }
  /** Sine (radians). */
  sin(): Tensor {
    return call('sin', this.handle);
  }
  /** Cosine (radians). */
  cos(): Tensor {
    return call('cos', this.handle);
  }
  /** Clamps to [min, max]; either bound may be omitted. */
  clamp(min?: number | null, max?: number | null): Tensor {
    return call('clamp', this.handle, min ?? null, max ?? null);
  }
  /** The larger of this and other, elementwise (broadcasting). */
  maximum(other: Tensor): Tensor {
    return call('maximum', this.handle, other.handle);
  }
  /** The smaller of this and other, elementwise (broadcasting). */
  minimum(other: Tensor): Tensor {
    return call('minimum', this.handle, other.handle);
  }
  /** log(exp(this) + exp(other)), computed stably; logaddexp(x, 0) is softplus(x). */
  logaddexp(other: Tensor): Tensor {
    return call('logaddexp', this.handle, other.handle);
  }
  /** this + weight * (end - this) */
  lerp(end: Tensor, weight: number): Tensor {
    return call('lerp.Scalar', this.handle, end.handle, weight);
  }

  // --- activations ------------------------------------------------------------------
  /** 1 / (1 + exp(-this)) */
  sigmoid(): Tensor {
    return call('sigmoid', this.handle);
  }
  /** Hyperbolic tangent. */
  tanh(): Tensor {
    return call('tanh', this.handle);
  }
  /** max(this, 0) */
  relu(): Tensor {
    return call('relu', this.handle);
  }
  /** this where positive, negativeSlope * this elsewhere. */
  leakyRelu(negativeSlope = 0.01): Tensor {
    return call('leaky_relu', this.handle, negativeSlope);
  }
  /** log(1 + exp(beta * x)) / beta, linear above `threshold` as in PyTorch. */
  softplus(beta = 1, threshold = 20): Tensor {
    return call('softplus', this.handle, beta, threshold);
  }
  /** log(sigmoid(this)), computed stably. */
  logSigmoid(): Tensor {
    return call('log_sigmoid', this.handle);
  }
  /** exp(this) normalised to sum to 1 along `dim`. */
  softmax(dim: number): Tensor {
    return call('softmax.int', this.handle, dim);
  }
  /** log(softmax(this, dim)), computed stably. */
  logSoftmax(dim: number): Tensor {
    return call('log_softmax.int', this.handle, dim);
  }
}

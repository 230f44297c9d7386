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
  mul(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('mul.Scalar', this.handle, other)
      : call('mul.Tensor', this.handle, other.handle);
  }
  div(other: TensorOrNumber): Tensor {
    return typeof other === 'number'
      ? call('div.Scalar', this.handle, other)
      : call('div.Tensor', this.handle, other.handle);
  }
  pow(exponent: TensorOrNumber): Tensor {
    return typeof exponent === 'number'
      ? call('pow.Tensor_Scalar', this.handle, exponent)
      : call('pow.Tensor_Tensor', this.handle, exponent.handle);
  }
  neg(): Tensor {
    return call('neg', this.handle);
  }
  exp(): Tensor {
    return call('exp', this.handle);
  }
  log(): Tensor {
    return call('log', this.handle);
  }
  log1p(): Tensor {
    return call('log1p', this.handle);
  }
  sqrt(): Tensor {
    return call('sqrt', this.handle);
  }
  rsqrt(): Tensor {
    return call('rsqrt', this.handle);
  }
  square(): Tensor {
    return call('square', this.handle);
  }
  abs(): Tensor {
    return call('abs', this.handle);
  }
  sign(): Tensor {
    return call('sign', this.handle);
  }
  floor(): Tensor {
    return call('floor', this.handle);
  }
  round(): Tensor {
    return call('round', this.handle);
  }
  reciprocal(): Tensor {
    return call('reciprocal', this.handle);
  }
  sin(): Tensor {
    return call('sin', this.handle);
  }
  cos(): Tensor {
    return call('cos', this.handle);
  }
  /** Clamps to [min, max]; either bound may be omitted. */
  clamp(min?: number | null, max?: number | null): Tensor {
    return call('clamp', this.handle, min ?? null, max ?? null);
  }
  maximum(other: Tensor): Tensor {
    return call('maximum', this.handle, other.handle);
  }
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
  sigmoid(): Tensor {
    return call('sigmoid', this.handle);
  }
  tanh(): Tensor {
    return call('tanh', this.handle);
  }
  relu(): Tensor {
    return call('relu', this.handle);
  }
  leakyRelu(negativeSlope = 0.01): Tensor {
    return call('leaky_relu', this.handle, negativeSlope);
  }
  /** log(1 + exp(beta * x)) / beta, linear above `threshold` as in PyTorch. */
  softplus(beta = 1, threshold = 20): Tensor {
    return call('softplus', this.handle, beta, threshold);
  }
  logSigmoid(): Tensor {
    return call('log_sigmoid', this.handle);
  }
  softmax(dim: number): Tensor {
    return call('softmax.int', this.handle, dim);
  }
  logSoftmax(dim: number): Tensor {
    return call('log_softmax.int', this.handle, dim);
  }
}

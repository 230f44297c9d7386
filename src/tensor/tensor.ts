/**
 * The Tensor class: a typed handle to a libtorch tensor. Every method calls an ATen operator
 * by its schema name through the addon's one generic path (dispatch.ts), so autograd, dtype
 * promotion and error checking are libtorch's own. Methods follow PyTorch's names in
 * camelCase; in-place variants end in `_` as in PyTorch.
 *
 * The class is written in parts, one file per operator group, each class extending the one
 * before: core.ts (metadata, lifetime, data, autograd, conversion) < ops-shape.ts <
 * ops-elementwise.ts < ops-reduce.ts < this file (in-place operators, for optimizers,
 * initialisers and buffers; not for tensors autograd needs).
 */
import { callInplace } from './dispatch.js';
import { registerTensorClass, type TensorOrNumber } from './core.js';
import { ReduceTensor } from './ops-reduce.js';

/** A handle to a libtorch tensor; operators return new Tensors (see tidy() for their lifetime). */
export class Tensor extends ReduceTensor {
  // --- in place (for optimizers and buffers; not for tensors autograd needs) ---------
  /** this += alpha * other */
  add_(other: TensorOrNumber, alpha = 1): this {
    if (typeof other === 'number') callInplace('add_.Scalar', this.handle, other, alpha);
    else callInplace('add_.Tensor', this.handle, other.handle, alpha);
    return this;
  }
  /** this -= alpha * other */
  sub_(other: TensorOrNumber, alpha = 1): this {
    if (typeof other === 'number') callInplace('sub_.Scalar', this.handle, other, alpha);
    else callInplace('sub_.Tensor', this.handle, other.handle, alpha);
    return this;
  }
  /** this *= other */
  mul_(other: TensorOrNumber): this {
    if (typeof other === 'number') callInplace('mul_.Scalar', this.handle, other);
    else callInplace('mul_.Tensor', this.handle, other.handle);
    return this;
  }
  /** this /= other */
  div_(other: TensorOrNumber): this {
    if (typeof other === 'number') callInplace('div_.Scalar', this.handle, other);
    else callInplace('div_.Tensor', this.handle, other.handle);
    return this;
  }
  /** this += value * t1 * t2 */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this {
    callInplace('addcmul_', this.handle, t1.handle, t2.handle, value);
    return this;
  }
  /** this += value * t1 / t2 */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this {
    callInplace('addcdiv_', this.handle, t1.handle, t2.handle, value);
    return this;
  }
  /** this += weight * (end - this) */
  lerp_(end: Tensor, weight: number): this {
    callInplace('lerp_.Scalar', this.handle, end.handle, weight);
    return this;
  }
  /** Square root in place. */
  sqrt_(): this {
    callInplace('sqrt_', this.handle);
    return this;
  }
  /** Clamps to [min, max] in place; either bound may be omitted. */
  clamp_(min?: number | null, max?: number | null): this {
    callInplace('clamp_', this.handle, min ?? null, max ?? null);
    return this;
  }
  /** Copies src's values into this tensor (broadcasting, converting dtype and device). */
  copy_(src: Tensor): this {
    callInplace('copy_', this.handle, src.handle, false);
    return this;
  }
  /** Sets every element to `value`. */
  fill_(value: number): this {
    callInplace('fill_.Scalar', this.handle, value);
    return this;
  }
  /** Sets every element to 0. */
  zero_(): this {
    callInplace('zero_', this.handle);
    return this;
  }
  /** Replaces every element by a Bernoulli draw: 1 with probability `p`, else 0. */
  bernoulli_(p: number): this {
    callInplace('bernoulli_.float', this.handle, p);
    return this;
  }
  /** Fills with draws from U(from, to). */
  uniform_(from = 0, to = 1): this {
    callInplace('uniform_', this.handle, from, to);
    return this;
  }
  /** Fills with draws from N(mean, std^2). */
  normal_(mean = 0, std = 1): this {
    callInplace('normal_', this.handle, mean, std);
    return this;
  }
}

registerTensorClass(Tensor);

export { call, callNamed, callMany, wrap, type TensorOrNumber } from './core.js';
export { callInplace, opId, schemaOf, argNames } from './dispatch.js';
export {
  isDType,
  Reduction,
  type DType,
  type Device,
  type TypedArrayFor,
  type AnyTypedArray,
  type ReductionName,
} from './dtype.js';

/** RMSprop (Hinton's lecture 6e), with PyTorch's defaults and options. */
import { native } from '../../binding/native.js';
import type { Tensor } from '../tensor.js';
import { fusable } from './fused.js';
import { Optimizer, type OptimizerOptions, type OptimizerState } from './optimizer.js';

/** RMSprop's settings; defaults lr 1e-2, alpha 0.99, eps 1e-8, momentum 0, centered false, weightDecay 0. */
export interface RMSpropOptions extends OptimizerOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  momentum?: number;
  centered?: boolean;
  weightDecay?: number;
}

/**
 * RMSprop as torch.optim.RMSprop: v = alpha v + (1 - alpha) g^2, p -= lr * g / (sqrt(v) + eps);
 * centered subtracts the squared running mean of g from v; momentum accumulates the step.
 */
export class RMSprop extends Optimizer {
  protected readonly stateKeys = ['square_avg', 'momentum_buffer', 'grad_avg'] as const;
  readonly alpha: number;
  readonly eps: number;
  readonly momentum: number;
  readonly centered: boolean;
  readonly weightDecay: number;

  constructor(params: Tensor[], o: RMSpropOptions = {}) {
    super(params, o.lr ?? 1e-2, o);
    this.alpha = o.alpha ?? 0.99;
    this.eps = o.eps ?? 1e-8;
    this.momentum = o.momentum ?? 0;
    this.centered = o.centered ?? false;
    this.weightDecay = o.weightDecay ?? 0;
  }

  protected update(p: Tensor, grad: Tensor, s: OptimizerState): void {
    if (this.fused && fusable(p, grad, s.square_avg!, s.momentum_buffer!, s.grad_avg!)) {
      const { lr, alpha, eps, weightDecay, momentum, centered } = this;
      const settings = { lr, alpha, eps, weightDecay, momentum, centered };
      const [sq, buf, avg] = [s.square_avg!, s.momentum_buffer!, s.grad_avg!];
      native.fusedRmspropStep(p.handle, grad.handle, sq.handle, buf.handle, avg.handle, settings);
      return;
    }
    // The reference path, torch 1.13's _single_tensor_rmsprop.
    if (this.weightDecay) grad = grad.add(p, this.weightDecay);
    s.square_avg!.mul_(this.alpha).addcmul_(grad, grad, 1 - this.alpha);
    let avg: Tensor;
    if (this.centered) {
      s.grad_avg!.mul_(this.alpha).add_(grad, 1 - this.alpha);
      avg = s.square_avg!.clone().addcmul_(s.grad_avg!, s.grad_avg!, -1).sqrt_().add_(this.eps);
    } else {
      avg = s.square_avg!.sqrt().add_(this.eps);
    }
    if (this.momentum > 0) {
      s.momentum_buffer!.mul_(this.momentum).addcdiv_(grad, avg);
      p.add_(s.momentum_buffer!, -this.lr);
    } else {
      p.addcdiv_(grad, avg, -this.lr);
    }
  }
}

/** Stochastic gradient descent with optional (Nesterov) momentum and weight decay. */
import { native } from '../../binding/native.js';
import type { Tensor } from '../tensor.js';
import { fusable } from './fused.js';
import { Optimizer, type OptimizerOptions, type OptimizerState } from './optimizer.js';

/** SGD's settings; defaults lr 1e-2, momentum 0, dampening 0, nesterov false, weightDecay 0. */
export interface SGDOptions extends OptimizerOptions {
  lr?: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/**
 * SGD as torch.optim.SGD: g += wd * p; with momentum, b = mu b + (1 - dampening) g (b = g at the
 * first step) and g = b (Nesterov: g + mu b); then p -= lr * g.
 */
export class SGD extends Optimizer {
  protected readonly stateKeys = ['momentum_buffer'] as const;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(params: Tensor[], o: SGDOptions = {}) {
    super(params, o.lr ?? 1e-2, o);
    this.momentum = o.momentum ?? 0;
    this.dampening = o.dampening ?? 0;
    this.nesterov = o.nesterov ?? false;
    this.weightDecay = o.weightDecay ?? 0;
  }

  protected update(p: Tensor, grad: Tensor, s: OptimizerState, step: number): void {
    if (this.fused && fusable(p, grad, s.momentum_buffer!)) {
      const { lr, momentum, dampening, nesterov, weightDecay } = this;
      const settings = { step, lr, momentum, dampening, nesterov, weightDecay };
      native.fusedSgdStep(p.handle, grad.handle, s.momentum_buffer!.handle, settings);
      return;
    }
    // The reference path, torch 1.13's _single_tensor_sgd.
    if (this.weightDecay) grad = grad.add(p, this.weightDecay);
    if (this.momentum) {
      const buf = s.momentum_buffer!;
      // PyTorch starts the buffer at the first gradient itself, undamped.
      if (step === 1) buf.copy_(grad);
      else buf.mul_(this.momentum).add_(grad, 1 - this.dampening);
      grad = this.nesterov ? grad.add(buf, this.momentum) : buf;
    }
    p.add_(grad, -this.lr);
  }
}

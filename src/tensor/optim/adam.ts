/** Adam (Kingma and Ba, 2015) and AdamW (Loshchilov and Hutter, 2019, decoupled weight decay). */
import { native } from '../../binding/native.js';
import type { Tensor } from '../tensor.js';
import { fusable } from './fused.js';
import { Optimizer, type OptimizerOptions, type OptimizerState } from './optimizer.js';

/** Adam's settings; defaults lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0 (AdamW: 1e-2). */
export interface AdamOptions extends OptimizerOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/**
 * Adam (Kingma and Ba, 2015): m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
 * p -= lr * m / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps). Weight decay adds wd * p to g.
 */
export class Adam extends Optimizer {
  protected readonly stateKeys = ['exp_avg', 'exp_avg_sq'] as const;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  /** AdamW decays the weights directly instead of adding the decay to the gradient. */
  protected readonly decoupled: boolean = false;

  constructor(params: Tensor[], o: AdamOptions = {}) {
    super(params, o.lr ?? 1e-3, o);
    this.betas = o.betas ?? [0.9, 0.999];
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0;
  }

  protected update(p: Tensor, grad: Tensor, s: OptimizerState, step: number): void {
    const [b1, b2] = this.betas;
    if (this.fused && fusable(p, grad, s.exp_avg!, s.exp_avg_sq!)) {
      const { lr, eps, weightDecay, decoupled } = this;
      const settings = { step, lr, beta1: b1, beta2: b2, eps, weightDecay, decoupled };
      native.fusedAdamStep(p.handle, grad.handle, s.exp_avg!.handle, s.exp_avg_sq!.handle, settings);
      return;
    }
    // The reference path, torch 1.13's _single_tensor_adam.
    if (this.weightDecay && this.decoupled) p.mul_(1 - this.lr * this.weightDecay);
    else if (this.weightDecay) grad = grad.add(p, this.weightDecay);
    s.exp_avg!.mul_(b1).add_(grad, 1 - b1);
    s.exp_avg_sq!.mul_(b2).addcmul_(grad, grad, 1 - b2);
    const stepSize = this.lr / (1 - b1 ** step);
    const denom = s
      .exp_avg_sq!.sqrt()
      .div_(Math.sqrt(1 - b2 ** step))
      .add_(this.eps);
    p.addcdiv_(s.exp_avg!, denom, -stepSize);
  }
}

/** AdamW (Loshchilov and Hutter, 2019): Adam with decoupled weight decay, p *= 1 - lr * wd before the step. */
export class AdamW extends Adam {
  protected override readonly decoupled = true;
  constructor(params: Tensor[], o: AdamOptions = {}) {
    super(params, { weightDecay: 1e-2, ...o });
  }
}

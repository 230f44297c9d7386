/**
 * Adadelta (Zeiler, 2012): step sizes from running averages of squared gradients and squared
 * updates, so that lr=1 works without tuning; Keras's classic autoencoder example uses it.
 */
import type { Tensor } from '../tensor.js';
import { Optimizer, type OptimizerOptions, type OptimizerState } from './optimizer.js';

export interface AdadeltaOptions extends OptimizerOptions {
  lr?: number;
  rho?: number;
  eps?: number;
  weightDecay?: number;
}

export class Adadelta extends Optimizer {
  protected readonly stateKeys = ['square_avg', 'acc_delta'] as const;
  readonly rho: number;
  readonly eps: number;
  readonly weightDecay: number;

  constructor(params: Tensor[], o: AdadeltaOptions = {}) {
    super(params, o.lr ?? 1.0, o);
    this.rho = o.rho ?? 0.9;
    this.eps = o.eps ?? 1e-6;
    this.weightDecay = o.weightDecay ?? 0;
  }

  protected update(p: Tensor, grad: Tensor, s: OptimizerState): void {
    if (this.weightDecay) grad = grad.add(p, this.weightDecay);
    s.square_avg!.mul_(this.rho).addcmul_(grad, grad, 1 - this.rho);
    const std = s.square_avg!.add(this.eps).sqrt_();
    const delta = s.acc_delta!.add(this.eps).sqrt_().div_(std).mul_(grad);
    s.acc_delta!.mul_(this.rho).addcmul_(delta, delta, 1 - this.rho);
    p.add_(delta, -this.lr);
  }
}

/**
 * Adadelta (Zeiler, 2012): step sizes from running averages of squared gradients and squared
 * updates, so that lr=1 works without tuning; Keras's classic autoencoder example uses it.
 * It has no fused native step: OptimizerOptions.fused is accepted and ignored (the ATen path).
 */
import type { Tensor } from '../tensor.js';
import { Optimizer, type OptimizerOptions, type OptimizerState } from './optimizer.js';

/** Adadelta's settings; defaults lr 1, rho 0.9, eps 1e-6, weightDecay 0. */
export interface AdadeltaOptions extends OptimizerOptions {
  lr?: number;
  rho?: number;
  eps?: number;
  weightDecay?: number;
}

/**
 * Adadelta (Zeiler, 2012) as torch.optim.Adadelta: v = rho v + (1 - rho) g^2,
 * d = sqrt(u + eps) / sqrt(v + eps) * g, u = rho u + (1 - rho) d^2, p -= lr * d.
 */
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

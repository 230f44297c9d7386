/**
 * The shared network of MIWAE, PIWAE and CIWAE (Rainforth et al. 2018): the MLP VAE of
 * vae-mlp with the log importance weights of n reparameterised samples per image, from which
 * each model's bound is computed (bounds.ts). Like iwae, the models differ from the VAE only
 * in the objective, so every capability (encoder, decoder, posterior, prior, likelihood) and
 * with them eval, sample, the pictures, the web explorer and ONNX export come from VaeMlp.
 */
import { randn } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import { VaeMlp, type VaeMlpOptions } from '../vae-mlp/model.js';

const LOG_2PI = Math.log(2 * Math.PI);

export interface IwFamilyOptions extends VaeMlpOptions {
  /** Importance samples per estimate (K). */
  samples: number;
}

export function checkCount(what: string, n: number): number {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`${what} must be a positive integer, got ${n}`);
  return n;
}

export abstract class IwFamily extends VaeMlp {
  readonly samples: number;

  constructor(o: IwFamilyOptions & { name: string }) {
    super(o);
    this.samples = checkCount('samples', o.samples);
  }

  /**
   * The log importance weights log p(x|z_i) + log p(z_i) - log q(z_i|x) of n samples per image:
   * [n, B]. The noise eps [n, B, D] is drawn from N(0, I) unless given (tests pass their own).
   * With z = mu + sigma * eps, log q(z|x) = -0.5 * (|eps|^2 + sum(logvar) + D log 2pi).
   */
  logWeights(x: Tensor, n: number, y?: Tensor, eps?: Tensor): Tensor {
    const { mu, logvar } = this.posterior(x, y);
    const [b, d] = mu.shape as [number, number];
    const e = eps ?? randn([n, b, d], { dtype: mu.dtype, device: mu.device });
    if (e.ndim !== 3 || e.size(0) !== n || e.size(1) !== b || e.size(2) !== d)
      throw new RangeError(`eps must be [${n}, ${b}, ${d}], got [${e.shape}]`);
    const z = mu.add(logvar.mul(0.5).exp().mul(e)); // [n, B, D]
    const logq = e
      .square()
      .sum(2)
      .add(logvar.sum(1).add(d * LOG_2PI))
      .mul(-0.5);
    const logp = z
      .square()
      .sum(2)
      .add(d * LOG_2PI)
      .mul(-0.5);
    const logpx = this.reconNllSamples(z.reshape(n * b, d), x, n, y).neg();
    return logpx.add(logp).sub(logq);
  }

  /** No KL weight to report: the bounds have no separate KL term. */
  override epochValues(): Record<string, number> {
    return {};
  }
}

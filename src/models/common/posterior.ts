/**
 * The variance of q(z|x): the encoder's raw output read as a log-variance (Kingma and
 * Welling's choice), or as a variance through softplus, which avoids exp's overflow.
 */
import type { Tensor } from '../../tensor/tensor.js';

export type VarianceParam = 'logvar' | 'softplus';

/** Keeps log(softplus(raw)) finite where softplus underflows to 0. */
const SOFTPLUS_FLOOR = 1e-6;

export function toLogvar(raw: Tensor, how: VarianceParam): Tensor {
  return how === 'logvar' ? raw : raw.softplus().add(SOFTPLUS_FLOOR).log();
}

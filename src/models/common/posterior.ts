/**
 * The variance of q(z|x): the encoder's raw output read as a log-variance (Kingma and
 * Welling's choice), or as a variance through softplus, which avoids exp's overflow.
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { PlanStep } from './forward-plan.js';

export type VarianceParam = 'logvar' | 'softplus';

/** Keeps log(softplus(raw)) finite where softplus underflows to 0. */
const SOFTPLUS_FLOOR = 1e-6;

export function toLogvar(raw: Tensor, how: VarianceParam): Tensor {
  return how === 'logvar' ? raw : raw.softplus().add(SOFTPLUS_FLOOR).log();
}

/** toLogvar as plan steps (see forward-plan.ts). */
export function logvarSteps(how: VarianceParam): PlanStep[] {
  return how === 'logvar' ? [] : [{ op: 'softplus' }, { op: 'add', value: SOFTPLUS_FLOOR }, { op: 'log' }];
}

/** The learning-rate schedule over epochs (the KL schedule is the VAE models': models/common/kl-schedule.ts). */
import type { RunConfig } from './config.js';

/** Learning rate for 0-based `epoch`: constant, step decay, or cosine to zero over the run. */
export function learningRate(
  c: Pick<RunConfig, 'lrSchedule' | 'lrStepEpochs' | 'lrGamma' | 'epochs'>,
  base: number,
  epoch: number,
): number {
  switch (c.lrSchedule) {
    case 'constant':
      return base;
    case 'step':
      return base * c.lrGamma ** Math.floor(epoch / c.lrStepEpochs);
    case 'cosine':
      return base * 0.5 * (1 + Math.cos((Math.PI * epoch) / c.epochs));
  }
}

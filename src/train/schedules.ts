/**
 * Schedules over training time t, measured in epochs (fractional within an epoch, from 0).
 * KL annealing: linear warm-up (Bowman et al. 2016) and cyclical annealing (Fu et al. 2019:
 * within each of M cycles the weight rises linearly for a share R of the cycle, then holds).
 */
import type { RunConfig } from './config.js';

export function klWeight(
  c: Pick<RunConfig, 'beta' | 'klSchedule' | 'warmupEpochs' | 'cycles' | 'cycleRatio' | 'epochs'>,
  t: number,
): number {
  switch (c.klSchedule) {
    case 'constant':
      return c.beta;
    case 'linear':
      return c.beta * Math.min(1, t / c.warmupEpochs);
    case 'cyclical': {
      const period = c.epochs / c.cycles;
      const tau = (t % period) / period;
      return c.beta * Math.min(1, tau / c.cycleRatio);
    }
  }
}

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

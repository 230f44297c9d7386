/**
 * The KL term's weight over training time t (in epochs, fractional within an epoch, from 0):
 * constant beta (Higgins et al. 2017), a linear warm-up from 0 (Bowman et al. 2016), or
 * cyclical annealing (Fu et al. 2019: within each of M cycles the weight rises linearly for a
 * share R of the cycle, then holds).
 */
export interface KlScheduleOptions {
  beta: number;
  klSchedule: 'constant' | 'linear' | 'cyclical';
  warmupEpochs: number;
  cycles: number;
  cycleRatio: number;
}

/**
 * beta(t) at time t (epochs) of a run of `epochs` epochs: constant beta; linear beta * min(1, t / warmupEpochs);
 * cyclical beta * min(1, tau / cycleRatio) with tau = (t mod P) / P, P = epochs / cycles.
 */
export function klWeight(c: KlScheduleOptions, epochs: number, t: number): number {
  switch (c.klSchedule) {
    case 'constant':
      return c.beta;
    case 'linear':
      return c.beta * Math.min(1, t / c.warmupEpochs);
    case 'cyclical': {
      const period = epochs / c.cycles;
      const tau = (t % period) / period;
      return c.beta * Math.min(1, tau / c.cycleRatio);
    }
  }
}

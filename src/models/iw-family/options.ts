/**
 * Options and metrics the importance-weighted family shares. `samples` has iwae's schema
 * (the option-name rule: same name, same schema; only the default and help differ), so
 * `--samples` means K, the samples of one importance-weighted estimate, in every model that
 * has it. `estimates` is M, pythae's number_gradient_estimates.
 */
import { opt } from '../../util/options.js';
import { ELBO_METRICS } from '../common/metrics.js';
import type { MetricDeclaration } from '../model.js';

export const samplesOption = (def: number) =>
  opt.int(def, { min: 1, help: 'importance samples per estimate in the training bound (K)', arg: 'k' });

export const estimatesOption = (def: number) =>
  opt.int(def, {
    min: 1,
    help: 'independent K-sample estimates averaged in the bound (M; M*K samples per image)',
    arg: 'm',
  });

/** The negative IWAE bound, -log (1/n) sum_i w_i (iwae's key and label). */
export const IW_BOUND: MetricDeclaration = {
  key: 'iwBound',
  label: '-IW bound',
  unit: 'nats',
  direction: 'min',
  digits: 2,
};

export const MIWAE_BOUND: MetricDeclaration = {
  key: 'miwaeBound',
  label: '-MIWAE bound',
  unit: 'nats',
  direction: 'min',
  digits: 2,
};

/** The -ELBO and its terms (the validation step's one-sample -ELBO, comparable with vae-mlp's). */
export const NEG_ELBO_METRICS = ELBO_METRICS.filter((m) => m.key !== 'loss');

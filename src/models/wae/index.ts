/** Declaration of wae: WAE-MMD (Tolstikhin et al. 2018), an MLP autoencoder whose codes are matched to N(0, I) by MMD. */
import { describeLikelihood } from '../common/describe.js';
import { hiddenOption, latentOption, likelihoodOptions } from '../common/options.js';
import { defineModel, type MetricDeclaration } from '../model.js';
import { opt } from '../../util/options.js';
import { Wae } from './model.js';

const METRICS: readonly MetricDeclaration[] = [
  { key: 'recon', label: 'recon', unit: 'nats', direction: 'min', digits: 2 },
  { key: 'mmd', label: 'MMD^2', unit: '', direction: 'min', digits: 4 },
  { key: 'loss', label: 'loss', unit: 'nats', direction: 'min', digits: 2, hidden: true },
  { key: 'negElbo', label: 'recon', unit: 'nats', direction: 'min', digits: 2, hidden: true }, // equals recon, for eval
  { key: 'kl', label: 'KL', unit: 'nats', direction: null, digits: 2, hidden: true }, // 0: no posterior
];

export default defineModel({
  name: 'wae',
  description:
    'WAE-MMD (Tolstikhin et al. 2018): an MLP autoencoder whose codes are pulled to N(0, I) by an MMD penalty; samples decode N(0, I) codes',
  options: {
    // The paper's MNIST latent size.
    latent: latentOption(8),
    hidden: hiddenOption,
    ...likelihoodOptions,
    kernel: opt.choice(['imq', 'rbf'], 'imq', {
      help: 'MMD kernel: inverse multiquadratic C/(C+|x-y|^2) or RBF exp(-|x-y|^2/C), C = 2 * latent * bandwidth^2',
    }),
    mmdWeight: opt.num(10, { min: 0, help: 'weight of the MMD term (lambda; the paper uses 10 on MNIST)', arg: 'x' }),
    bandwidth: opt.num(1, { above: 0, help: 'kernel bandwidth sigma (C = 2 * latent * sigma^2)', arg: 'x' }),
    imqScales: opt.choice(['multi', 'one'], 'multi', {
      help: "IMQ kernel summed over the scales 0.1, 0.2, 0.5, 1, 2, 5, 10 of C (the paper's code, pythae) or C alone",
    }),
  },
  metrics: METRICS,
  monitor: 'loss',
  describe: (o) => ({
    likelihood: describeLikelihood(o),
    kernel: o.kernel === 'imq' ? `imq (${o.imqScales === 'multi' ? 'scales 0.1-10' : 'one scale'})` : 'rbf',
    bandwidth: o.bandwidth,
    mmd_weight: o.mmdWeight,
    loss: `-log p(x|z) + ${o.mmdWeight} * MMD^2(codes, N(0, I) draws), the unbiased U-statistic per batch; z = E(x) deterministic; averaged over the batch (nats per image)`,
  }),
  build: (o, ctx) => new Wae({ ...o, imageShape: ctx.imageShape }),
});

/** Declaration of iwae: the importance-weighted autoencoder (Burda et al. 2016) on the MLP VAE's networks. */
import { opt } from '../../util/options.js';
import { describeLikelihood } from '../common/describe.js';
import { ELBO_METRICS } from '../common/metrics.js';
import { hiddenOption, latentOption, likelihoodOptions, vaeOptions } from '../common/options.js';
import { defineModel } from '../model.js';
import { Iwae } from './model.js';

export default defineModel({
  name: 'iwae',
  description: 'importance-weighted autoencoder (Burda et al. 2016): the MLP VAE trained on the k-sample bound',
  options: {
    latent: latentOption(20),
    hidden: hiddenOption,
    ...likelihoodOptions,
    variance: vaeOptions.variance,
    samples: opt.int(5, { min: 1, help: 'importance samples per image in the training bound (k)', arg: 'k' }),
  },
  metrics: [
    { key: 'iwBound', label: '-IW bound', unit: 'nats', direction: 'min', digits: 2 },
    ...ELBO_METRICS.filter((m) => m.key !== 'loss'),
  ],
  monitor: 'iwBound',
  describe: (o) => ({
    likelihood: describeLikelihood(o),
    importance_samples: o.samples,
    loss: `negative ${o.samples}-sample importance-weighted bound: -log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x), averaged over the batch (nats per image)`,
  }),
  build: (o, ctx) => new Iwae({ ...o, imageShape: ctx.imageShape }),
});

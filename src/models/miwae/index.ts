/** Declaration of miwae: MIWAE(M, K) of Rainforth et al. 2018 on the MLP VAE's networks. */
import { describeLikelihood } from '../common/describe.js';
import { hiddenOption, latentOption, likelihoodOptions, vaeOptions } from '../common/options.js';
import { estimatesOption, MIWAE_BOUND, NEG_ELBO_METRICS, samplesOption } from '../iw-family/options.js';
import { defineModel } from '../model.js';
import { Miwae } from './model.js';

export default defineModel({
  name: 'miwae',
  description:
    'multiply importance-weighted autoencoder (Rainforth et al. 2018): the MLP VAE trained on the mean of M K-sample IWAE bounds',
  options: {
    latent: latentOption(20),
    hidden: hiddenOption,
    ...likelihoodOptions,
    variance: vaeOptions.variance,
    // pythae's defaults (number_gradient_estimates 5, number_samples 10).
    samples: samplesOption(10),
    estimates: estimatesOption(5),
  },
  metrics: [MIWAE_BOUND, ...NEG_ELBO_METRICS],
  monitor: 'miwaeBound',
  describe: (o) => ({
    likelihood: describeLikelihood(o),
    importance_samples: o.samples,
    gradient_estimates: o.estimates,
    loss: `negative MIWAE(${o.estimates}, ${o.samples}) bound: -(1/M) sum_m log (1/K) sum_k p(x|z_mk) p(z_mk) / q(z_mk|x), M*K = ${o.estimates * o.samples} samples per image, averaged over the batch (nats per image)`,
  }),
  build: (o, ctx) => new Miwae({ ...o, imageShape: ctx.imageShape }),
});

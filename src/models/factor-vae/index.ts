/** Declaration of factor-vae: the MLP VAE with a discriminator's total-correlation penalty (Kim and Mnih 2018). */
import { opt } from '../../util/options.js';
import { describeLikelihood } from '../common/describe.js';
import { ELBO_METRICS } from '../common/metrics.js';
import { hiddenOption, latentOption, likelihoodOptions, vaeOptions } from '../common/options.js';
import { defineModel } from '../model.js';
import { FactorVae } from './model.js';

export default defineModel({
  name: 'factor-vae',
  description:
    'FactorVAE (Kim and Mnih 2018): the MLP VAE plus gamma times the total correlation of its codes, estimated by a discriminator that tells q(z) from the product of its marginals',
  options: {
    latent: latentOption(20),
    hidden: hiddenOption,
    ...likelihoodOptions,
    variance: vaeOptions.variance,
    // The same schema as beta-tcvae's --gamma (a weight >= 0); here it weighs the total correlation.
    gamma: opt.num(6.4, {
      min: 0,
      help: 'weight of the total-correlation penalty (Kim and Mnih use 6.4 to 40)',
      arg: 'x',
    }),
    discHidden: opt.int(1000, { min: 1, help: "hidden units of the code discriminator's layers", arg: 'n' }),
    discLayers: opt.int(5, { min: 1, help: 'hidden layers of the code discriminator', arg: 'n' }),
  },
  metrics: [
    ...ELBO_METRICS,
    { key: 'tc', label: 'TC (D)', unit: 'nats', direction: null, digits: 2 },
    { key: 'dLoss', label: 'D loss', unit: '', direction: null, digits: 3 },
  ],
  monitor: 'negElbo',
  describe: (o) => ({
    likelihood: describeLikelihood(o),
    gamma: o.gamma,
    discriminator: `${o.discLayers} x ${o.discHidden} units, LeakyReLU(0.2), 2 logits`,
    loss: `VAE: -log p(x|z) + KL(q(z|x) || N(0, I)) + ${o.gamma} * log D(z)/(1 - D(z)); discriminator: 0.5 * cross-entropy of codes (class 0) and codes permuted per dimension across the batch (class 1); averaged over the batch (nats per image)`,
  }),
  build: (o, ctx) => new FactorVae({ ...o, imageShape: ctx.imageShape }),
});

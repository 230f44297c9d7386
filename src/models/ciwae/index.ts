/**
 * Declaration of ciwae: CIWAE(beta) of Rainforth et al. 2018 on the MLP VAE's networks. The
 * mix is `--ciwae-beta`, not `--beta`: beta is vae-mlp's KL weight (min 0, no maximum, and
 * the web form's beta-VAE field), and one option name must mean one schema in every model.
 */
import { describeLikelihood } from '../common/describe.js';
import { hiddenOption, latentOption, likelihoodOptions, vaeOptions } from '../common/options.js';
import { opt } from '../../util/options.js';
import { IW_BOUND, NEG_ELBO_METRICS, samplesOption } from '../iw-family/options.js';
import { defineModel } from '../model.js';
import { Ciwae } from './model.js';

export default defineModel({
  name: 'ciwae',
  description:
    'combination importance-weighted autoencoder (Rainforth et al. 2018): the MLP VAE trained on beta * ELBO + (1 - beta) * IWAE bound',
  options: {
    latent: latentOption(20),
    hidden: hiddenOption,
    ...likelihoodOptions,
    variance: vaeOptions.variance,
    // pythae's defaults (number_samples 10, beta 0.5).
    samples: samplesOption(10),
    ciwaeBeta: opt.num(0.5, {
      min: 0,
      max: 1,
      help: "the ELBO's weight in the mix beta * ELBO_K + (1 - beta) * IWAE_K (the paper's beta; 1: VAE, 0: IWAE)",
      arg: 'x',
    }),
  },
  metrics: [
    { key: 'ciwaeBound', label: '-CIWAE bound', unit: 'nats', direction: 'min', digits: 2 },
    IW_BOUND,
    ...NEG_ELBO_METRICS,
  ],
  monitor: 'ciwaeBound',
  describe: (o) => ({
    likelihood: describeLikelihood(o),
    importance_samples: o.samples,
    ciwae_beta: o.ciwaeBeta,
    loss: `negative CIWAE bound: -(${o.ciwaeBeta} * (1/K) sum_k log w_k + ${1 - o.ciwaeBeta} * log (1/K) sum_k w_k), w_k = p(x|z_k) p(z_k) / q(z_k|x), K = ${o.samples}, averaged over the batch (nats per image)`,
  }),
  build: (o, ctx) => new Ciwae({ ...o, imageShape: ctx.imageShape }),
});

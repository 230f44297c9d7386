/**
 * Declaration of piwae: PIWAE(M, K) of Rainforth et al. 2018 on the MLP VAE's networks.
 * Parameter groups: `encoder` (q(z|x)) and `decoder` (p(x|z)), one optimizer each, both of
 * the run's --optimizer with its settings (any optimizer fits; the GANs' two groups are
 * likewise saved in optimizer.safetensors under their group's prefix). The training step
 * updates both at once with ctx.stepEach, each on its own bound's gradient.
 */
import { describeLikelihood } from '../common/describe.js';
import { hiddenOption, latentOption, likelihoodOptions, vaeOptions } from '../common/options.js';
import { estimatesOption, IW_BOUND, MIWAE_BOUND, NEG_ELBO_METRICS, samplesOption } from '../iw-family/options.js';
import { defineModel } from '../model.js';
import { Piwae } from './model.js';

export default defineModel({
  name: 'piwae',
  description:
    'partially importance-weighted autoencoder (Rainforth et al. 2018): encoder on the MIWAE(M, K) bound, decoder on IWAE(M*K), same samples',
  options: {
    latent: latentOption(20),
    hidden: hiddenOption,
    ...likelihoodOptions,
    variance: vaeOptions.variance,
    // pythae's defaults (number_gradient_estimates 5, number_samples 10).
    samples: samplesOption(10),
    estimates: estimatesOption(5),
  },
  // The decoder's bound leads: IWAE(M*K) is the tighter one, the likelihood estimate.
  metrics: [IW_BOUND, MIWAE_BOUND, ...NEG_ELBO_METRICS],
  monitor: 'iwBound',
  describe: (o) => ({
    likelihood: describeLikelihood(o),
    importance_samples: o.samples,
    gradient_estimates: o.estimates,
    parameter_groups: 'encoder, decoder (one optimizer each)',
    loss: `encoder: negative MIWAE(${o.estimates}, ${o.samples}) bound, -(1/M) sum_m log (1/K) sum_k w_mk; decoder: negative IWAE(${o.estimates * o.samples}) bound, -log (1/(M K)) sum_mk w_mk, over the same samples, w = p(x|z) p(z) / q(z|x), averaged over the batch (nats per image)`,
  }),
  build: (o, ctx) => new Piwae({ ...o, imageShape: ctx.imageShape }),
});

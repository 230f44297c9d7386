/** Declaration of vampprior: the MLP VAE with a VampPrior (Tomczak and Welling 2018). */
import { describeLikelihood } from '../common/describe.js';
import { klWeight } from '../common/kl-schedule.js';
import { ELBO_METRICS } from '../common/metrics.js';
import { hiddenOption, latentOption, vaeOptions } from '../common/options.js';
import { defineModel } from '../model.js';
import { opt } from '../../util/options.js';
import { VampPriorVae } from './model.js';

export default defineModel({
  name: 'vampprior',
  description:
    'VAE with a VampPrior (Tomczak and Welling 2018): the MLP VAE whose prior is a mixture of its posteriors at K learned pseudo-inputs',
  options: {
    latent: latentOption(20),
    hidden: hiddenOption,
    ...vaeOptions,
    // The paper's K for MNIST (pythae's default is 50).
    components: opt.int(500, { min: 1, help: 'pseudo-inputs, the components of the mixture prior (K)', arg: 'k' }),
  },
  metrics: ELBO_METRICS,
  monitor: 'negElbo',
  describe: (o) => ({
    beta: o.beta,
    kl_schedule: o.klSchedule,
    likelihood: describeLikelihood(o),
    prior_components: o.components,
    loss: `negative ELBO with the VampPrior p(z) = (1/K) sum_k q(z|u_k) over K = ${o.components} learned pseudo-inputs: -log p(x|z) + beta * (log q(z|x) - log p(z)), one sample z ~ q(z|x) (the KL term estimated by Monte Carlo), averaged over the batch (nats per image)`,
  }),
  build: (o, ctx) =>
    new VampPriorVae({ ...o, imageShape: ctx.imageShape, klWeight: (t) => klWeight(o, ctx.epochs, t) }),
});

/** Declaration of beta-tcvae: the MLP VAE with the KL decomposed and weighted (Chen et al. 2018). */
import { opt } from '../../util/options.js';
import { describeLikelihood } from '../common/describe.js';
import { ELBO_METRICS } from '../common/metrics.js';
import { hiddenOption, latentOption, likelihoodOptions, vaeOptions } from '../common/options.js';
import { defineModel } from '../model.js';
import { BetaTcVae } from './model.js';

/** MI, TC and dim-KL in nats per image (Chen et al.'s decomposition of the KL term). */
const KL_PARTS_METRICS = [
  { key: 'mi', label: 'MI', unit: 'nats', direction: null, digits: 2 },
  { key: 'tc', label: 'TC', unit: 'nats', direction: null, digits: 2 },
  { key: 'dimKl', label: 'dim-KL', unit: 'nats', direction: null, digits: 2 },
] as const;

export default defineModel({
  name: 'beta-tcvae',
  description:
    'beta-TCVAE (Chen et al. 2018): the MLP VAE whose KL is split into mutual information, total correlation and dimension-wise KL, weighted alpha, beta, gamma',
  options: {
    latent: latentOption(20),
    hidden: hiddenOption,
    ...likelihoodOptions,
    variance: vaeOptions.variance,
    alpha: opt.num(1, { min: 0, help: 'weight of the index-code mutual information', arg: 'x' }),
    // The same schema as vae-mlp's --beta (the KL weight); here it weighs the total correlation.
    beta: opt.num(6, { min: 0, help: 'weight of the total correlation (beta-TCVAE; Chen et al. use 6)', arg: 'x' }),
    gamma: opt.num(1, { min: 0, help: 'weight of the dimension-wise KL', arg: 'x' }),
    tcEstimator: opt.choice(['mws', 'mss'], 'mws', {
      help: 'estimator of q(z) from the batch: minibatch weighted or minibatch stratified sampling',
    }),
  },
  metrics: [...ELBO_METRICS, ...KL_PARTS_METRICS],
  monitor: 'negElbo',
  describe: (o) => ({
    likelihood: describeLikelihood(o),
    alpha: o.alpha,
    beta: o.beta,
    gamma: o.gamma,
    tc_estimator: o.tcEstimator,
    loss: `-log p(x|z) + ${o.alpha} * MI + ${o.beta} * TC + ${o.gamma} * dim-KL, one sample z ~ q(z|x), q(z) estimated from the batch by ${o.tcEstimator === 'mss' ? 'minibatch stratified' : 'minibatch weighted'} sampling over the training set's N images (Chen et al. 2018), averaged over the batch (nats per image)`,
  }),
  build: (o, ctx) =>
    new BetaTcVae({
      ...o,
      imageShape: ctx.imageShape,
      ...(ctx.datasetSize !== undefined ? { datasetSize: ctx.datasetSize } : {}),
    }),
});

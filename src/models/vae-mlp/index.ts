/** Declaration of vae-mlp: Kingma and Welling's VAE (2014) with one hidden layer. */
import { describeElbo } from '../common/describe.js';
import { klWeight } from '../common/kl-schedule.js';
import { ELBO_METRICS } from '../common/metrics.js';
import { hiddenOption, latentOption, vaeOptions } from '../common/options.js';
import { defineModel } from '../model.js';
import { VaeMlp } from './model.js';

export default defineModel({
  name: 'vae-mlp',
  description: 'VAE with one hidden layer (Kingma and Welling 2014)',
  options: { latent: latentOption(20), hidden: hiddenOption, ...vaeOptions },
  metrics: ELBO_METRICS,
  monitor: 'negElbo',
  describe: describeElbo,
  build: (o, ctx) => new VaeMlp({ ...o, imageShape: ctx.imageShape, klWeight: (t) => klWeight(o, ctx.epochs, t) }),
});

/** Declaration of vae-conv: a convolutional VAE (strided 32-64 layout, or the Keras 16-8-8 one). */
import { describeElbo } from '../common/describe.js';
import { klWeight } from '../common/kl-schedule.js';
import { ELBO_METRICS } from '../common/metrics.js';
import { latentOption, layoutOption, vaeOptions } from '../common/options.js';
import { defineModel } from '../model.js';
import { VaeConv } from './model.js';

export default defineModel({
  name: 'vae-conv',
  description: 'convolutional VAE (strided 32-64 layout, or the Keras 16-8-8 one)',
  options: { latent: latentOption(20), layout: layoutOption('strided'), ...vaeOptions },
  metrics: ELBO_METRICS,
  monitor: 'negElbo',
  describe: describeElbo,
  build: (o, ctx) => new VaeConv({ ...o, imageShape: ctx.imageShape, klWeight: (t) => klWeight(o, ctx.epochs, t) }),
});

/** Declaration of ae-conv: a convolutional autoencoder (the Keras blog's 16-8-8 layout by default). */
import { describeLikelihood } from '../common/describe.js';
import { RECONSTRUCTION_METRICS } from '../common/metrics.js';
import { latentOption, layoutOption, likelihoodOptions } from '../common/options.js';
import { defineModel } from '../model.js';
import { AeConv } from './model.js';

export default defineModel({
  name: 'ae-conv',
  description: "convolutional autoencoder (the Keras blog's 16-8-8 layout by default)",
  options: { latent: latentOption(20), layout: layoutOption('keras'), ...likelihoodOptions },
  metrics: RECONSTRUCTION_METRICS,
  monitor: 'negElbo',
  describe: (o) => ({ likelihood: describeLikelihood(o), loss: 'reconstruction: -log p(x|z), summed over pixels' }),
  build: (o, ctx) => new AeConv({ ...o, imageShape: ctx.imageShape }),
});

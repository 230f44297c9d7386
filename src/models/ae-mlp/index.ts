/** Declaration of ae-mlp: a plain MLP autoencoder, trained on reconstruction alone. */
import { describeLikelihood } from '../common/describe.js';
import { RECONSTRUCTION_METRICS } from '../common/metrics.js';
import { hiddenOption, latentOption, likelihoodOptions } from '../common/options.js';
import { defineModel } from '../model.js';
import { AeMlp } from './model.js';

export default defineModel({
  name: 'ae-mlp',
  description: 'plain MLP autoencoder',
  options: { latent: latentOption(20), hidden: hiddenOption, ...likelihoodOptions },
  metrics: RECONSTRUCTION_METRICS,
  monitor: 'negElbo',
  describe: (o) => ({ likelihood: describeLikelihood(o), loss: 'reconstruction: -log p(x|z), summed over pixels' }),
  build: (o, ctx) => new AeMlp({ ...o, imageShape: ctx.imageShape }),
});

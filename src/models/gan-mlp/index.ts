/** Declaration of gan-mlp: the original GAN (Goodfellow et al. 2014) with MLP networks. */
import { describeGan } from '../common/describe.js';
import { GAN_METRICS } from '../common/metrics.js';
import { GAN_DEFAULTS, ganLossOption, ganOptions, hiddenOption, latentOption } from '../common/options.js';
import { GanMlp } from '../gan/gan-mlp.js';
import { ganLoss } from '../gan/losses.js';
import { defineModel } from '../model.js';

/** The MLP GAN's declaration; cgan is the same with the label joined to z and x. */
export const ganMlpOptions = {
  latent: latentOption(100),
  hidden: hiddenOption,
  ganLoss: ganLossOption,
  ...ganOptions(1),
};

export default defineModel({
  name: 'gan-mlp',
  description: 'the original GAN (Goodfellow et al. 2014) with MLP networks',
  options: ganMlpOptions,
  commonDefaults: GAN_DEFAULTS,
  optimizers: ['adam'],
  watchClasses: true,
  metrics: GAN_METRICS,
  describe: describeGan,
  build: (o, ctx) => new GanMlp({ ...o, imageShape: ctx.imageShape, loss: ganLoss(o.ganLoss) }),
});

/** Declaration of dcgan: DCGAN (Radford et al. 2016), strided conv networks with batch norm. */
import { describeGan } from '../common/describe.js';
import { GAN_METRICS } from '../common/metrics.js';
import { GAN_DEFAULTS, ganLossOption, ganOptions, latentOption, widthOption } from '../common/options.js';
import { Dcgan } from '../gan/dcgan.js';
import { ganLoss } from '../gan/losses.js';
import { defineModel } from '../model.js';

export default defineModel({
  name: 'dcgan',
  description: 'DCGAN (Radford et al. 2016): strided conv networks with batch norm',
  options: { latent: latentOption(100), width: widthOption, ganLoss: ganLossOption, ...ganOptions(1) },
  commonDefaults: GAN_DEFAULTS,
  optimizers: ['adam'],
  watchClasses: true,
  metrics: GAN_METRICS,
  describe: describeGan,
  build: (o, ctx) => new Dcgan({ ...o, imageShape: ctx.imageShape, loss: ganLoss(o.ganLoss) }),
});

/**
 * Declaration of wgan-gp: Wasserstein GAN with gradient penalty (Gulrajani et al. 2017), the
 * DCGAN layout without batch norm in the critic, 5 critic steps per generator step, and the
 * paper's Adam (lr 1e-4, betas 0.5 and 0.9).
 */
import { describeGan } from '../common/describe.js';
import { WGAN_METRICS } from '../common/metrics.js';
import { GAN_DEFAULTS, ganOptions, latentOption, widthOption } from '../common/options.js';
import { Dcgan } from '../gan/dcgan.js';
import { wassersteinGp } from '../gan/losses.js';
import { defineModel } from '../model.js';
import { opt } from '../../util/options.js';

export default defineModel({
  name: 'wgan-gp',
  description:
    'Wasserstein GAN with gradient penalty (Gulrajani et al. 2017), DCGAN layout without batch norm in the critic',
  options: {
    latent: latentOption(100),
    width: widthOption,
    ...ganOptions(5),
    gpWeight: opt.num(10, { min: 0, help: 'weight of the gradient penalty', arg: 'x' }),
  },
  commonDefaults: { ...GAN_DEFAULTS, lr: 1e-4, beta2: 0.9 },
  optimizers: ['adam'],
  watchClasses: true,
  metrics: WGAN_METRICS,
  describe: describeGan,
  build: (o, ctx) => new Dcgan({ ...o, imageShape: ctx.imageShape, loss: wassersteinGp(o.gpWeight) }),
});

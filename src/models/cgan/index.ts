/** Declaration of cgan: the conditional GAN (Mirza and Osindero 2014), the MLP GAN with the label joined to z and x. */
import { GanMlp } from '../gan/gan-mlp.js';
import { ganLoss } from '../gan/losses.js';
import ganMlp, { ganMlpOptions } from '../gan-mlp/index.js';
import { defineModel } from '../model.js';

export default defineModel({
  ...ganMlp,
  name: 'cgan',
  description: 'conditional GAN (Mirza and Osindero 2014): the MLP GAN with the label joined to z and x',
  options: ganMlpOptions,
  conditional: true,
  build: (o, ctx) =>
    new GanMlp({ ...o, imageShape: ctx.imageShape, numClasses: ctx.numClasses, loss: ganLoss(o.ganLoss) }),
});

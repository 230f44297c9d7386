/** Declaration of rae: the regularised autoencoder (Ghosh et al. 2020), RAE-L2, RAE-GP or plain RAE. */
import { describeLikelihood } from '../common/describe.js';
import { hiddenOption, latentOption, likelihoodOptions } from '../common/options.js';
import { defineModel, type MetricDeclaration } from '../model.js';
import { opt } from '../../util/options.js';
import { Rae } from './model.js';

const METRICS: readonly MetricDeclaration[] = [
  { key: 'recon', label: 'recon', unit: 'nats', direction: 'min', digits: 2 },
  { key: 'embedding', label: '|z|^2/2', unit: '', direction: null, digits: 2 },
  { key: 'decoderPenalty', label: 'decoder reg', unit: '', direction: null, digits: 3 },
  { key: 'loss', label: 'loss', unit: 'nats', direction: 'min', digits: 2, hidden: true },
  { key: 'negElbo', label: 'recon', unit: 'nats', direction: 'min', digits: 2, hidden: true }, // equals recon, for eval
  { key: 'kl', label: 'KL', unit: 'nats', direction: null, digits: 2, hidden: true }, // 0: no posterior
];

const PENALTY = {
  l2: 'lambda * ||theta_decoder||^2 (RAE-L2)',
  gp: 'lambda * ||d sum(D(z)) / dz||^2 (RAE-GP)',
  none: 'no decoder term (plain RAE)',
};

export default defineModel({
  name: 'rae',
  description:
    'RAE (Ghosh et al. 2020): a deterministic MLP autoencoder with an L2 penalty on its codes and an L2 or gradient penalty on its decoder; sample --sampler gmm draws as the paper does (the default decodes N(0, I) codes)',
  options: {
    // The paper's MNIST latent size.
    latent: latentOption(16),
    hidden: hiddenOption,
    ...likelihoodOptions,
    regularizer: opt.choice(['l2', 'gp', 'none'], 'l2', {
      help: 'decoder regulariser: L2 of its weights (RAE-L2), the gradient penalty ||dD(z)/dz||^2 (RAE-GP), or none',
    }),
    // pythae's RAE_L2 and RAE_GP defaults.
    embeddingWeight: opt.num(1e-4, { min: 0, help: 'weight beta of 0.5 ||z||^2, the code penalty', arg: 'x' }),
    regWeight: opt.num(1e-7, { min: 0, help: "weight lambda of the decoder's regulariser", arg: 'x' }),
  },
  metrics: METRICS,
  monitor: 'loss',
  describe: (o) => ({
    likelihood: describeLikelihood(o),
    regularizer: o.regularizer,
    embedding_weight: o.embeddingWeight,
    reg_weight: o.regWeight,
    loss: `-log p(x|z) + ${o.embeddingWeight} * 0.5 ||z||^2 + ${o.regularizer === 'none' ? PENALTY.none : PENALTY[o.regularizer].replace('lambda', String(o.regWeight))}; z = E(x) deterministic; averaged over the batch (nats per image)`,
  }),
  build: (o, ctx) => new Rae({ ...o, imageShape: ctx.imageShape }),
});

/** Metric declarations that several models share (see model.ts's MetricDeclaration). */
import type { MetricDeclaration } from '../model.js';

/** VAEs: the negative ELBO and its two terms, in nats per image. */
export const ELBO_METRICS: readonly MetricDeclaration[] = [
  { key: 'negElbo', label: '-ELBO', unit: 'nats', direction: 'min', digits: 2 },
  { key: 'recon', label: 'recon', unit: 'nats', direction: 'min', digits: 2 },
  { key: 'kl', label: 'KL', unit: 'nats', direction: null, digits: 2 },
  { key: 'loss', label: 'loss', unit: 'nats', direction: 'min', digits: 2, hidden: true },
];

/** Plain autoencoders: the reconstruction loss (-log p(x|z)) alone; their KL term is 0. */
export const RECONSTRUCTION_METRICS: readonly MetricDeclaration[] = [
  { key: 'recon', label: 'recon', unit: 'nats', direction: 'min', digits: 2 },
  { key: 'negElbo', label: 'recon', unit: 'nats', direction: 'min', digits: 2, hidden: true }, // equals recon; early stopping watches it
  { key: 'kl', label: 'KL', unit: 'nats', direction: null, digits: 2, hidden: true },
  { key: 'loss', label: 'loss', unit: 'nats', direction: 'min', digits: 2, hidden: true },
];

/** GANs with a discriminator: its loss, the generator's, and the mean D(x) and D(G(z)). */
export const GAN_METRICS: readonly MetricDeclaration[] = [
  { key: 'dLoss', label: 'D loss', unit: '', direction: null, digits: 3 },
  { key: 'gLoss', label: 'G loss', unit: '', direction: null, digits: 3 },
  { key: 'dReal', label: 'D(x)', unit: '', direction: null, digits: 3 },
  { key: 'dFake', label: 'D(G(z))', unit: '', direction: null, digits: 3 },
];

/** WGAN-GP: the critic's values, the Wasserstein estimate and the gradient penalty. */
export const WGAN_METRICS: readonly MetricDeclaration[] = [
  { key: 'wasserstein', label: 'W estimate', unit: '', direction: null, digits: 3 },
  { key: 'dLoss', label: 'critic loss', unit: '', direction: null, digits: 3 },
  { key: 'gLoss', label: 'G loss', unit: '', direction: null, digits: 3 },
  { key: 'dReal', label: 'critic(x)', unit: '', direction: null, digits: 3 },
  { key: 'dFake', label: 'critic(G(z))', unit: '', direction: null, digits: 3 },
  { key: 'gradientPenalty', label: 'penalty', unit: '', direction: null, digits: 3 },
];

/** What a run optimises, in words, for its config.json. */
import type { KlScheduleOptions } from './kl-schedule.js';

export function describeElbo(
  c: KlScheduleOptions & { likelihood: string; sigma: number | string },
): Record<string, unknown> {
  return {
    beta: c.beta,
    kl_schedule: c.klSchedule,
    likelihood: describeLikelihood(c),
    loss: 'negative ELBO: -log p(x|z) + beta * KL(q(z|x) || N(0, I)); summed over pixels and latent dimensions, averaged over the batch (nats per image)',
  };
}

export function describeLikelihood(c: { likelihood: string; sigma: number | string }): string {
  return c.likelihood === 'bernoulli' ? 'bernoulli (binary cross-entropy on logits)' : `gaussian (sigma ${c.sigma})`;
}

export function describeGan(c: { ganLoss?: string; nCritic: number; gpWeight?: number }): Record<string, unknown> {
  const loss =
    c.gpWeight !== undefined
      ? `Wasserstein: critic minimises D(G(z)) - D(x) + ${c.gpWeight} * (||grad D(x_hat)|| - 1)^2; generator minimises -D(G(z))`
      : `discriminator: binary cross-entropy of real (1) and generated (0) images; generator: ${c.ganLoss === 'minimax' ? 'minimax log(1 - D(G(z)))' : 'non-saturating -log D(G(z))'}`;
  return { critic_steps: c.nCritic, loss };
}

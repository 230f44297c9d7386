/**
 * Random codes for the explorer: from the prior N(0, I), or from a density fitted to the run's
 * training codes (`latentlab sample --sampler gaussian|gmm`), drawn in the browser as
 * MixtureSampler draws them in the engine: a component k ~ w, then z = mu_k + L_k eps.
 */
import type { FittedDensity } from '../../src/wire/types.js';

/** n standard normal draws (Box-Muller); `random` gives uniforms in [0, 1). */
export function gaussian(n: number, random: () => number = Math.random): number[] {
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

/** One code of `latent` entries: from N(0, I) when `density` is null, else from the fitted mixture. */
export function drawCode(density: FittedDensity | null, latent: number, random: () => number = Math.random): number[] {
  if (!density) return gaussian(latent, random);
  const { weights, means, cholesky } = density;
  let u = random();
  let k = 0;
  while (k < weights.length - 1 && u >= weights[k]!) u -= weights[k++]!;
  const eps = gaussian(latent, random);
  const l = cholesky[k]!;
  // L is lower-triangular: row i takes eps[0..i].
  return means[k]!.map((m, i) => {
    let s = m;
    for (let j = 0; j <= i; j++) s += l[i]![j]! * eps[j]!;
    return s;
  });
}

/** How the explorer names a density in its menu and status line. */
export function densityName(density: FittedDensity | null): string {
  if (!density) return 'prior N(0, I)';
  if (density.kind === 'gaussian') return 'Gaussian fitted to the training codes';
  return `Gaussian mixture (${density.weights.length} components) fitted to the training codes`;
}

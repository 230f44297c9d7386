/**
 * Section 8: KL and JS divergence between 1-D Gaussians, the notes' supplement: computed by
 * `latentlab divergence` (KL in closed form, JS by numerical integration) and drawn with the
 * densities of each pair.
 */
import { join } from 'node:path';
import { saveDivergence } from '../viz/figures.js';
import { shellWord } from './runs.js';
import { figure, key, type Section } from './section.js';

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

export const divergence: Section = {
  id: 'divergence',
  title: 'KL and JS divergence between Gaussians',
  runs: () => [],
  async analyse(ctx) {
    const base = join(ctx.root, 'figures', 'divergence');
    const { files, pairs } = await saveDivergence(base);
    const command = `latentlab divergence --out ${shellWord(base)} --json`;
    const g = (d: { mu: number; sigma: number }): string => `N(${d.mu}, ${d.sigma}²)`;
    return {
      intro:
        'KL(p‖q) is zero only when p = q, grows as the densities part, and is not symmetric; JS, the mean KL of p and q to ' +
        'their mixture m = (p + q)/2, is symmetric and at most log 2 = 0.6931 nats.',
      numbers: [],
      tables: [
        {
          caption: 'divergences in nats',
          columns: ['p', 'q', 'KL(p‖q)', 'KL(q‖p)', 'JS(p, q)'],
          rows: pairs.map((p) => [g(p.p), g(p.q), r4(p.kl), r4(p.klReverse), r4(p.js)]),
          command,
        },
      ],
      figures: [
        key(figure(ctx, files.png, 'the densities of each pair, with the divergences in the panel titles', command)),
      ],
      notes: [],
    };
  },
};

/**
 * Section 4: the weight of the KL term. A beta-VAE sweep (Higgins et al. 2017) and a linear KL
 * warm-up from 0 against none (Bowman et al. 2016), all with the MLP VAE: the test
 * reconstruction and KL terms of each, its active units, and a traversal of every latent
 * dimension from the prior's mean.
 */
import { join } from 'node:path';
import { zeros } from '../tensor/create.js';
import { withOpenRun } from '../train/open-run.js';
import { saveTraversal } from '../viz/figures.js';
import { latentDimOf } from '../inference/latent.js';
import type { ExperimentPlan } from './plan.js';
import { runSpec, type RunSpec } from './runs.js';
import { evalRun, figure, key, runArg, runDir, type Section } from './section.js';
import type { FigureEntry } from './types.js';

const WARMUP = 'kl-warmup';
const betaName = (b: number): string => `beta-${b}`;
const TRAVERSAL = { range: 3, steps: 9 };

function specs(plan: ExperimentPlan): RunSpec[] {
  const p = plan.beta;
  const base = { model: 'vae-mlp' as const, latent: p.latent };
  return [
    ...p.betas.map((beta) => runSpec(betaName(beta), `vae-mlp z=${p.latent}, beta ${beta}`, { ...base, beta }, p)),
    runSpec(
      WARMUP,
      `vae-mlp z=${p.latent}, beta 1 reached by a linear warm-up over ${p.warmupEpochs} epochs`,
      { ...base, klSchedule: 'linear', warmupEpochs: p.warmupEpochs },
      p,
    ),
  ];
}

export const beta: Section = {
  id: 'beta',
  title: 'Beta sweep and KL warm-up',
  runs: specs,
  async analyse(ctx) {
    const rows: (string | number)[][] = [];
    const figures: FigureEntry[] = [];
    const commands: string[] = [];
    for (const spec of specs(ctx.plan)) {
      const { result: e, command } = await evalRun(ctx, spec.name, 0, null);
      commands.push(command);
      const c = spec.config;
      rows.push([
        spec.name,
        Number(c.beta),
        c.klSchedule === 'linear' ? `linear over ${String(c.warmupEpochs)} epochs` : 'none',
        e.test_recon,
        e.test_kl,
        e.test_neg_elbo,
        e.active_units ?? '-',
      ]);
      const path = await withOpenRun(runDir(ctx, spec.name), async (run) => {
        const origin = zeros([latentDimOf(run.model)]); // the prior's mean, as `traverse` starts without --index
        try {
          return await saveTraversal(join(run.dir, 'traversal.png'), run.model, origin, TRAVERSAL);
        } finally {
          origin.dispose();
        }
      });
      const cmd = `latentlab traverse --run ${runArg(ctx, spec.name)} --range ${TRAVERSAL.range} --steps ${TRAVERSAL.steps}`;
      figures.push(
        key(
          figure(
            ctx,
            path,
            `${spec.name}: each of the ${Number(c.latent)} dimensions (rows) swept from -${TRAVERSAL.range} to ${TRAVERSAL.range}, the others at 0`,
            cmd,
          ),
        ),
      );
    }
    return {
      intro:
        'The KL weight beta trades reconstruction against a code close to the prior: a larger beta buys a smaller KL with a worse ' +
        'reconstruction and, trained long enough, fewer active dimensions. Warming the weight up from 0 lets the decoder use the code before the ' +
        'KL term pushes it to the prior. Test numbers are the plain ELBO (beta = 1), whatever beta the run trained with.',
      numbers: [],
      tables: [
        {
          caption:
            "reconstruction against KL on the test set (nats per image; active units: Cov of the code's mean above 0.01)",
          columns: ['run', 'beta', 'KL warm-up', 'reconstruction', 'KL', 'negative ELBO', 'active units'],
          rows,
          command: commands.join('; '),
        },
      ],
      figures,
      notes: [],
    };
  },
};

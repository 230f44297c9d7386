/** Plots from numbers: a run's curves per epoch, and the KL/JS divergence figure of the course notes. */
import { Command } from 'commander';
import { join } from 'node:path';
import { withOpenRun } from '../train/open-run.js';
import { curvePanels } from '../viz/charts.js';
import { saveCurves, saveDivergence } from '../viz/figures.js';
import { report } from './visual-args.js';

export function plotCommands(): Command[] {
  const curves = new Command('curves')
    .description('loss, reconstruction and KL per epoch, from metrics.jsonl')
    .requiredOption('--run <dir>', 'the run directory')
    .option('--out <base>', 'file name without extension (default: <run>/curves)')
    .option('--json', 'print the files written as JSON')
    .action(async (o: { run: string; out?: string; json?: boolean }) =>
      withOpenRun(o.run, async (r) => {
        const files = await saveCurves(
          o.out ?? join(o.run, 'curves'),
          r.metrics,
          `${r.config.model} on ${r.config.dataset}: per epoch`,
          curvePanels(r.declaration.metrics),
        );
        report(o, [files.png, files.svg]);
      }),
    );

  const divergence = new Command('divergence')
    .description('KL and JS divergence between pairs of 1-D Gaussians: the densities and the numbers')
    .option('--out <base>', 'file name without extension', 'divergence')
    .option('--json', 'print the numbers and files as JSON')
    .action(async (o: { out: string; json?: boolean }) => {
      const { files, pairs } = await saveDivergence(o.out);
      if (!o.json)
        for (const p of pairs)
          console.log(
            `p=N(${p.p.mu},${p.p.sigma}^2) q=N(${p.q.mu},${p.q.sigma}^2): KL(p||q) ${p.kl.toFixed(4)}  KL(q||p) ${p.klReverse.toFixed(4)}  JS ${p.js.toFixed(4)} nats`,
          );
      report(o, [files.png, files.svg], { pairs });
    });

  return [curves, divergence];
}

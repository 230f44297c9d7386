/** `latentlab runs`: the runs in a folder with their last metrics. */
import { findModel } from '../models/registry.js';
import { metricSummary } from '../util/metric-summary.js';
import { Command } from 'commander';
import { listRuns } from '../train/run-dir.js';

export function runsCommand(): Command {
  return new Command('runs')
    .description('list training runs with their last metrics')
    .option('--dir <dir>', 'folder holding the runs', 'runs')
    .option('--json', 'print one JSON object per run')
    .action((o: { dir: string; json?: boolean }) => {
      const runs = listRuns(o.dir, (dir, why) => console.error(`latentlab: skipping ${dir}: ${why}`));
      if (o.json) {
        for (const r of runs)
          console.log(
            JSON.stringify({
              name: r.name,
              dir: r.dir,
              model: r.model,
              dataset: r.dataset,
              epochs: r.epochs,
              epochs_done: r.epochsDone,
              last: r.last,
            }),
          );
        return;
      }
      if (!runs.length) {
        console.log(`no runs in ${o.dir}`);
        return;
      }
      const rows = runs.map((r) => [
        r.name,
        r.model,
        r.dataset,
        `${r.epochsDone}/${r.epochs}`,
        lastMetrics(r.model, r.last),
      ]);
      const head = ['run', 'model', 'dataset', 'epochs', 'last epoch'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const r of [head, ...rows]) console.log(r.map((v, i) => v.padEnd(widths[i]!)).join('  '));
    });
}

/** The last epoch's headline numbers, by the run's model's declared metrics. */
function lastMetrics(model: string, m: Record<string, number> | null | undefined): string {
  return metricSummary(findModel(model)?.metrics ?? [], m);
}

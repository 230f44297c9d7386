/** `latentlab runs`: the runs in a folder with their last metrics. */
import { Command } from 'commander';
import { listRuns } from '../train/run-dir.js';

export function runsCommand(): Command {
  return new Command('runs')
    .description('list training runs with their last metrics')
    .option('--dir <dir>', 'folder holding the runs', 'runs')
    .option('--json', 'print one JSON object per run')
    .action((o: { dir: string; json?: boolean }) => {
      const runs = listRuns(o.dir);
      if (o.json) {
        for (const r of runs) console.log(JSON.stringify({ name: r.name, dir: r.dir, model: r.model, dataset: r.dataset, epochs: r.epochs, epochs_done: r.epochsDone, last: r.last }));
        return;
      }
      if (!runs.length) {
        console.log(`no runs in ${o.dir}`);
        return;
      }
      const rows = runs.map((r) => [r.name, r.model, r.dataset, `${r.epochsDone}/${r.epochs}`, fmt(r.last?.train_neg_elbo), fmt(r.last?.test_neg_elbo)]);
      const head = ['run', 'model', 'dataset', 'epochs', 'train -ELBO', 'test -ELBO'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const r of [head, ...rows]) console.log(r.map((v, i) => v.padEnd(widths[i]!)).join('  '));
    });
}

function fmt(x: number | undefined): string {
  return x === undefined ? '-' : x.toFixed(2);
}

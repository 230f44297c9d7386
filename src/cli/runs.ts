/** `latentlab runs`: the runs in a folder with their last metrics. */
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
      const rows = runs.map((r) => [r.name, r.model, r.dataset, `${r.epochsDone}/${r.epochs}`, lastMetrics(r.last)]);
      const head = ['run', 'model', 'dataset', 'epochs', 'last epoch'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const r of [head, ...rows]) console.log(r.map((v, i) => v.padEnd(widths[i]!)).join('  '));
    });
}

/** VAEs: train and test -ELBO; GANs: the two losses and the classes their samples cover. */
function lastMetrics(m: Record<string, number> | null | undefined): string {
  if (!m) return '-';
  if (m.train_d_loss !== undefined) {
    const classes = m.classes_covered !== undefined ? `, ${m.classes_covered} classes` : '';
    return `D loss ${m.train_d_loss.toFixed(3)}, G loss ${m.train_g_loss!.toFixed(3)}${classes}`;
  }
  const test = m.test_neg_elbo !== undefined ? `, test ${m.test_neg_elbo.toFixed(2)}` : '';
  return `-ELBO train ${m.train_neg_elbo?.toFixed(2) ?? '-'}${test}`;
}

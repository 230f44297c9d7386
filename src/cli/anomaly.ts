/**
 * `latentlab anomaly`: train on the normal class only (or use --run) and measure how well each
 * score separates the other classes; `--normal all` runs the one-class protocol over every
 * class; `anomaly score` flags new images with a run's fitted threshold.
 */
import { Command, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImageDataset } from '../data/dataset.js';
import { loadImageFiles } from '../data/folder.js';
import { BUILTIN } from '../data/builtin.js';
import {
  ANOMALY_DEFAULTS,
  analyseRunDir,
  checkScorable,
  normalRunConfig,
  oneClassAuroc,
  unconditionalLatent,
  type AnomalyResult,
} from '../workflow/anomaly.js';
import { calibratedScores, complexityBits, scoreDataset } from '../eval/anomaly.js';
import { getModel, models } from '../models/registry.js';
import { trainRun } from '../workflow/train-run.js';
import { barFields } from './epoch-line.js';
import { withOpenRun } from '../train/open-run.js';
import { classList, nonNegativeIntArg, positiveInt } from './parse.js';
import { progressBar, type Progress } from './progress.js';

interface AnomalyFlags {
  dataset: string;
  normal?: string;
  run?: string;
  model: string;
  latent: number;
  epochs: number;
  k: number;
  out?: string;
  json?: boolean;
  seed: number;
}

async function trainNormal(o: AnomalyFlags, classes: number[], dir: string): Promise<void> {
  if (existsSync(join(dir, 'config.json'))) {
    if (!o.json) console.error(`using the run already in ${dir}`);
    return;
  }
  const config = normalRunConfig({
    model: o.model,
    dataset: o.dataset,
    classes,
    latent: o.latent,
    epochs: o.epochs,
    seed: o.seed,
  });
  checkScorable(config);
  const metrics = getModel(config.model).metrics;
  let bar: Progress | null = null;
  if (!o.json) console.error(`training ${o.model} on ${o.dataset} class ${classes.join(',')} -> ${dir}`);
  await trainRun(config, dir, {
    pictures: false,
    callbacks: {
      onEpochStart: (e, n) =>
        (bar = progressBar(`normal ${classes.join(',')}: epoch ${e}/${o.epochs}`, n, !o.json && process.stderr.isTTY)),
      onBatch: (_e, done, s) => bar?.update(done, barFields(metrics, s)),
      onEpochEnd: () => bar?.stop(),
    },
  });
}

function summaryLine(r: AnomalyResult): string {
  return r.scores
    .map(
      (s) =>
        `${s.score} AUROC ${s.auroc.toFixed(4)} AP ${s.average_precision.toFixed(4)} (threshold ${s.threshold.toFixed(2)}: precision ${s.precision.toFixed(3)}, recall ${s.recall.toFixed(3)})`,
    )
    .join('\n');
}

async function runAll(o: AnomalyFlags): Promise<void> {
  const ds = BUILTIN[o.dataset];
  const numClasses = ds ? ds.classNames.length : 10;
  const root = o.out ?? join('runs', `anomaly-${o.dataset.replace(/[^\w.-]+/g, '_')}`);
  const results: AnomalyResult[] = [];
  for (let c = 0; c < numClasses; c++) {
    const dir = join(root, `normal-${c}`);
    await trainNormal(o, [c], dir);
    const r = await analyseRunDir(dir, { k: o.k });
    results.push(r);
    if (o.json)
      console.log(JSON.stringify({ normal: c, auroc: Object.fromEntries(r.scores.map((s) => [s.score, s.auroc])) }));
    else console.error(`normal ${c}: ${r.scores.map((s) => `${s.score} ${s.auroc.toFixed(4)}`).join(', ')}`);
  }
  const { scores, auroc, mean } = oneClassAuroc(results);
  if (o.json) {
    const byClass = (values: number[]): Record<string, number> =>
      Object.fromEntries(values.map((v, c) => [String(c), v]));
    console.log(
      JSON.stringify({
        dataset: o.dataset,
        runs: root,
        auroc: Object.fromEntries(scores.map((s) => [s, byClass(auroc[s]!)])),
        mean_auroc: mean,
      }),
    );
    return;
  }
  const names = ds?.classNames ?? Array.from({ length: numClasses }, (_, i) => String(i));
  console.log(`one-class AUROC on ${o.dataset} (each class in turn normal, the others anomalous; runs in ${root})`);
  console.log(['normal class'.padEnd(16), ...scores.map((s) => s.padStart(15))].join(''));
  for (let c = 0; c < numClasses; c++)
    console.log([`${c} ${names[c]}`.padEnd(16), ...scores.map((s) => auroc[s]![c]!.toFixed(4).padStart(15))].join(''));
  console.log(['mean'.padEnd(16), ...scores.map((s) => mean[s]!.toFixed(4).padStart(15))].join(''));
}

export function anomalyCommand(): Command {
  const cmd = new Command('anomaly')
    .enablePositionalOptions() // `anomaly score --run R` must not give --run to `anomaly`
    .description(
      'one-class anomaly detection: train on the normal class only (grey levels, 10% held out), score every test image, report AUROC and AP per score',
    )
    .addHelpText(
      'after',
      `\nScores (higher = more anomalous):\n  calibrated      reconstruction error minus its line against the image's compressed size, fitted on held-out normal images (the default for 'anomaly score')\n  reconstruction  -log p(x|z) at the code's mean\n  neg_elbo        the negative ELBO (10 samples)\n  iw_nll          importance-weighted NLL (--k samples)`,
    )
    .addOption(new Option('--dataset <name>', 'dataset').default('mnist'))
    .option('--normal <classes>', "the normal class(es), e.g. 7 or 1,7, or 'all' for each class in turn")
    .option('--run <dir>', 'use this run (trained with --classes and --val-fraction) instead of training')
    .addOption(
      new Option('--model <name>', 'model to train: one with an encoder and a likelihood, unconditional')
        .choices(models().map((m) => m.name))
        .default(ANOMALY_DEFAULTS.model),
    )
    .addOption(new Option('--latent <n>', 'latent dimensions').argParser(positiveInt).default(ANOMALY_DEFAULTS.latent))
    .addOption(new Option('--epochs <n>', 'training epochs').argParser(positiveInt).default(ANOMALY_DEFAULTS.epochs))
    .addOption(
      new Option('--k <n>', 'importance samples per image for the iw_nll score (0 skips it)')
        .argParser(nonNegativeIntArg)
        .default(ANOMALY_DEFAULTS.k),
    )
    .addOption(new Option('--seed <n>', 'random seed').argParser(nonNegativeIntArg).default(ANOMALY_DEFAULTS.seed))
    .option('--out <dir>', 'run directory (default: runs/anomaly-<dataset>-<normal>)')
    .option('--json', 'print JSON lines, the summary last')
    .action(async (o: AnomalyFlags) => {
      if (o.normal === 'all') return runAll(o);
      let dir = o.run;
      if (!dir) {
        if (!o.normal) throw new Error("give --normal <class> (or 'all'), or --run <dir>");
        const classes = classList(o.normal);
        dir = o.out ?? join('runs', `anomaly-${o.dataset.replace(/[^\w.-]+/g, '_')}-${classes.join('_')}`);
        await trainNormal(o, classes, dir);
      }
      const r = await analyseRunDir(dir, { k: o.k });
      if (o.json) console.log(JSON.stringify(r));
      else
        console.log(
          `${r.dataset}: normal ${r.normal.join(',')}, ${r.anomalous_images} of ${r.test_images} test images anomalous\n${summaryLine(r)}\n${r.files.map((f) => `wrote ${f}`).join('\n')}`,
        );
    });

  cmd
    .command('score')
    .description("flag new images with a run's anomaly threshold (fitted by `latentlab anomaly`)")
    .requiredOption('--run <dir>', 'a run analysed by `latentlab anomaly`')
    .requiredOption('--images <dir>', 'a folder of PNG/JPEG images')
    .option('--json', 'print one JSON object per image, then a summary')
    .action(async (o: { run: string; images: string; json?: boolean }) => {
      const reportFile = join(o.run, 'anomaly.json');
      if (!existsSync(reportFile))
        throw new Error(`${o.run} has no anomaly.json: run \`latentlab anomaly --run ${o.run}\` first`);
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as AnomalyResult;
      const chosen = report.scores.find((s) => s.score === report.primary)!;
      await withOpenRun(o.run, async (run) => {
        const [c, h, w] = run.imageShape;
        const { files, pixels } = await loadImageFiles(o.images, { size: [h, w], channels: c as 1 | 3 });
        const ds = ImageDataset.fromArrays({
          name: o.images,
          pixels,
          labels: files.map(() => 0),
          shape: [c, h, w],
          classNames: ['?'],
        });
        const primary = report.primary === 'calibrated' ? 'reconstruction' : report.primary;
        const raw = scoreDataset(unconditionalLatent(run), ds, {
          k: primary === 'iw_nll' ? report.k : 0,
          binarize: run.config.binarize,
        })[primary]!;
        const scores =
          report.primary === 'calibrated' ? calibratedScores(raw, complexityBits(ds), report.complexity_line) : raw;
        ds.dispose();
        let flagged = 0;
        files.forEach((f, i) => {
          const anomalous = scores[i]! > chosen.threshold;
          if (anomalous) flagged++;
          if (o.json)
            console.log(JSON.stringify({ file: f, score: scores[i], threshold: chosen.threshold, anomalous }));
          else console.log(`${anomalous ? 'ANOMALY' : 'normal '}  ${scores[i]!.toFixed(2).padStart(9)}  ${f}`);
        });
        const summary = { images: files.length, flagged, score: report.primary, threshold: chosen.threshold };
        console.log(
          o.json
            ? JSON.stringify(summary)
            : `${flagged} of ${files.length} images flagged (${report.primary} > ${chosen.threshold.toFixed(2)})`,
        );
      });
    });
  return cmd;
}

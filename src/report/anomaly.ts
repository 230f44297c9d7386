/**
 * Section 6: anomaly detection, as in the notes: a VAE trained on sevens only (z=2, so that
 * its whole manifold can be drawn: every point decodes to a seven), every test image scored,
 * the score histograms and ROC curves, AUROC; then the one-class table, each digit in turn
 * the normal class, with `latentlab anomaly`'s defaults (z=20).
 */
import { ANOMALY_DEFAULTS, normalRunConfig, oneClassAuroc, type AnomalyResult } from '../workflow/anomaly.js';
import type { ExperimentPlan } from './plan.js';
import { shellWord, type RunSpec } from './runs.js';
import { anomalyRun, figure, key, runDir, runFigure, type Section, type SectionContext } from './section.js';
import type { TableEntry } from './types.js';

const SEVENS = 'anomaly-7';
const TABLE_ROOT = 'anomaly-mnist';
const tableRun = (c: number): string => `${TABLE_ROOT}/normal-${c}`;
const { model, seed } = ANOMALY_DEFAULTS;

function sevens(plan: ExperimentPlan): RunSpec {
  const { images, epochs } = plan.anomaly.sevens;
  const config = normalRunConfig({
    model,
    seed,
    dataset: 'mnist',
    classes: [7],
    latent: 2,
    epochs,
    ...(images ? { limit: images } : {}),
  });
  return { name: SEVENS, title: 'vae-mlp z=2 on sevens only (grey levels, 10% held out)', config };
}

function tableRuns(plan: ExperimentPlan): RunSpec[] {
  const { images, epochs } = plan.anomaly.table;
  return plan.anomaly.classes.map((c) => ({
    name: tableRun(c),
    title: `vae-mlp z=${ANOMALY_DEFAULTS.latent} on ${c}s only`,
    config: normalRunConfig({
      model,
      seed,
      dataset: 'mnist',
      classes: [c],
      latent: ANOMALY_DEFAULTS.latent,
      epochs,
      ...(images ? { limit: images } : {}),
    }),
  }));
}

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

function scoreTable(r: AnomalyResult, command: string): TableEntry {
  return {
    caption: `sevens normal, the other ${r.anomalous_images.toLocaleString('en')} of ${r.test_images.toLocaleString('en')} test images anomalous; threshold: the 95th percentile of ${r.held_out_normal_images} held-out sevens`,
    columns: ['score', 'AUROC', 'average precision', 'threshold', 'precision', 'recall'],
    rows: r.scores.map((s) => [
      s.score,
      r4(s.auroc),
      r4(s.average_precision),
      Math.round(s.threshold * 100) / 100,
      r4(s.precision),
      r4(s.recall),
    ]),
    command,
  };
}

/** AUROC of each score with each class normal, and their means. */
async function oneClassTable(ctx: SectionContext): Promise<TableEntry> {
  const { k, classes, table } = ctx.plan.anomaly;
  const results: AnomalyResult[] = [];
  for (const c of classes) results.push((await anomalyRun(ctx, tableRun(c), k)).result);
  const { scores, auroc, mean } = oneClassAuroc(results);
  const root = shellWord(runDir(ctx, TABLE_ROOT));
  const all = table.images === null && classes.length === 10;
  return {
    caption: `one-class AUROC: each class in turn normal (${table.epochs} epoch${table.epochs === 1 ? '' : 's'}${table.images ? ` on its first ${table.images} images` : ''}), the other classes anomalous`,
    columns: ['normal class', ...scores],
    rows: [
      ...classes.map((c, i) => [String(c), ...scores.map((s) => r4(auroc[s]![i]!))]),
      ['mean', ...scores.map((s) => r4(mean[s]!))],
    ],
    command: all
      ? `latentlab anomaly --dataset mnist --normal all --epochs ${table.epochs} --k ${k} --out ${root}`
      : `latentlab anomaly --run ${root}/normal-<c> --k ${k}, for each class c`,
  };
}

export const anomaly: Section = {
  id: 'anomaly',
  title: 'Anomaly detection: trained on sevens only',
  runs: (plan) => [sevens(plan), ...tableRuns(plan)],
  async analyse(ctx) {
    const { result: r, command } = await anomalyRun(ctx, SEVENS, ctx.plan.anomaly.k);
    const byName = (suffix: string): string => r.files.find((f) => f.endsWith(suffix))!;
    return {
      intro:
        'The notes train the VAE on sevens only and flag the other digits: a model that knows only sevens reconstructs them ' +
        'well and other digits badly. Each test image gets four scores (higher = more anomalous): the calibrated reconstruction ' +
        "error (the error minus a line in the image's compressed size, fitted on held-out sevens), the reconstruction error, " +
        'the negative ELBO and the importance-weighted NLL.',
      numbers: r.scores.map((s) => ({
        label: `sevens normal: AUROC of the ${s.score} score`,
        value: s.auroc,
        unit: '',
        command,
      })),
      tables: [scoreTable(r, command), await oneClassTable(ctx)],
      figures: [
        key(
          runFigure(
            ctx,
            SEVENS,
            'manifold.png',
            'the manifold of the model of sevens: every point of its 2-D code space decodes to a seven',
          ),
        ),
        key(
          figure(
            ctx,
            byName('anomaly-histogram.png'),
            'scores of normal (sevens) and anomalous test images; dashed: the threshold',
            command,
          ),
        ),
        figure(ctx, byName('anomaly-roc.png'), 'ROC curve of each score', command),
        figure(ctx, byName('most-anomalous.png'), 'the 32 test images with the highest calibrated score', command),
        figure(ctx, byName('least-anomalous.png'), 'the 32 with the lowest', command),
      ],
      notes: [],
    };
  },
};

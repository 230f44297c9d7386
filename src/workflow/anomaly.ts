/**
 * One-class anomaly detection end to end: a model trained on the normal classes (or an
 * existing such run), every test image scored, each score judged, a threshold fitted on
 * held-out normal training images, and the pictures: ROC curves, score histograms, and the
 * most and least anomalous test images. Results go to <run>/anomaly.json.
 */
import { join } from 'node:path';
import { loadDataset } from '../data/load.js';
import type { ImageDataset } from '../data/dataset.js';
import { tidy } from '../tensor/scope.js';
import { need } from '../models/capabilities.js';
import type { Model } from '../models/model.js';
import { tensor } from '../tensor/create.js';
import { resolveConfig, type RunConfig } from '../train/config.js';
import { withOpenRun, type OpenRun } from '../train/open-run.js';
import { buildModel, runDatasetSpec, splitValidation } from '../train/prepare.js';
import { writeFileAtomic } from '../util/fs.js';
import { rocSpec, scoreHistogramSpec } from '../viz/charts.js';
import { saveImageGrid } from '../viz/figures.js';
import { savePlot } from '../viz/plot.js';
import {
  SCORE_NAMES,
  addCalibrated,
  complexityBits,
  judgeScores,
  scoreDataset,
  type ComplexityLine,
  type ScoreName,
  type ScoreReport,
  type Scores,
} from '../eval/anomaly.js';

export interface AnomalyResult {
  run: string;
  dataset: string;
  normal: number[];
  test_images: number;
  anomalous_images: number;
  held_out_normal_images: number;
  k: number;
  /** The score `anomaly score` flags new images with. */
  primary: ScoreName;
  /** The calibrated score's line: reconstruction error ~ intercept + slope * compressed bits, on held-out normal images. */
  complexity_line: ComplexityLine;
  scores: Omit<ScoreReport, 'roc'>[];
  files: string[];
}

/** What `latentlab anomaly` trains and scores with unless told otherwise. */
export const ANOMALY_DEFAULTS = { model: 'vae-mlp', latent: 20, epochs: 20, k: 100, seed: 0 };

export interface NormalRunOptions {
  model: string;
  dataset: string;
  /** The normal class(es): the only ones trained on. */
  classes: number[];
  latent: number;
  epochs: number;
  seed: number;
  /** Only the first n normal training images (before the held-out split). */
  limit?: number;
}

/**
 * The run anomaly detection trains: the normal classes only, on grey levels (not binarized:
 * chosen on validation data, bench/anomaly-select.ts), 10% held out to fit the threshold on.
 */
export function normalRunConfig(o: NormalRunOptions): RunConfig {
  const { model, dataset, classes, latent, epochs, seed } = o;
  return resolveConfig(
    {},
    {
      model,
      dataset,
      classes,
      latent,
      epochs,
      seed,
      valFraction: 0.1,
      binarize: 'none',
      ...(o.limit ? { limit: o.limit } : {}),
    },
  );
}

/** Held-out normal images: the run's validation split, drawn as the trainer drew it. */
async function heldOutNormals(config: RunConfig): Promise<ImageDataset> {
  if (!(config.valFraction > 0)) {
    throw new Error('the run has no validation split to fit the threshold on: train it with --val-fraction (e.g. 0.1)');
  }
  const full = await loadDataset(runDatasetSpec(config, 'train'));
  const [train, val] = splitValidation(config, full);
  train.dispose();
  full.dispose();
  return val!;
}

/** Refuses, before any training, a model that could not score images (no encoder or likelihood, or conditional). */
export function checkScorable(config: RunConfig): void {
  const model = buildModel(config, [1, 28, 28], 10);
  try {
    unconditionalLatent({ model } as OpenRun);
  } finally {
    model.dispose();
  }
}

/** The run's model, if it can score images on its own: an encoder and a likelihood, and no class conditioning. */
export function unconditionalLatent(run: OpenRun): Model {
  const model = run.model;
  need(model, 'encoder', 'anomaly scoring');
  need(model, 'likelihood', 'anomaly scoring');
  if (model.numClasses)
    throw new Error(
      `${model.modelName} is conditioned on the label, which an image to be judged does not come with; train an unconditional model`,
    );
  return model;
}

export async function analyseAnomalies(run: OpenRun, o: { k: number }): Promise<AnomalyResult> {
  const normal = run.config.classes;
  if (!normal?.length)
    throw new Error(
      `${run.dir} was trained on every class; anomaly detection needs a run trained on the normal class(es) only (--classes)`,
    );
  const test = await loadDataset({ ...runDatasetSpec(run.config, 'test'), classes: undefined });
  const held = await heldOutNormals(run.config);
  try {
    const scoring = { k: o.k, binarize: run.config.binarize };
    const model = unconditionalLatent(run);
    const testScores = scoreDataset(model, test, scoring);
    const heldScores = scoreDataset(model, held, scoring);
    const labels = test.labels.toArray();
    const anomalous = labels.map((l) => !normal.includes(l));
    const line = addCalibrated(testScores, complexityBits(test), heldScores, complexityBits(held));
    const reports = judgeScores(testScores, anomalous, heldScores);
    const primary: ScoreName = 'calibrated';
    const files = await drawAnomalies(run, test, testScores, anomalous, reports, primary);
    const result: AnomalyResult = {
      run: run.dir,
      dataset: test.name,
      normal,
      test_images: test.length,
      anomalous_images: anomalous.filter(Boolean).length,
      held_out_normal_images: held.length,
      k: testScores.iw_nll ? o.k : 0,
      primary,
      complexity_line: line,
      scores: reports.map(({ roc: _roc, ...r }) => r),
      files,
    };
    writeFileAtomic(join(run.dir, 'anomaly.json'), JSON.stringify(result, null, 2) + '\n');
    writeFileAtomic(join(run.dir, ANOMALY_SCORES_FILE), JSON.stringify(perImageScores(testScores, labels)) + '\n');
    return result;
  } finally {
    test.dispose();
    held.dispose();
  }
}

/** Every test image's scores and label, for interactive views (the web UI's histogram with a movable threshold). */
export const ANOMALY_SCORES_FILE = 'anomaly-scores.json';

function perImageScores(scores: Scores, labels: number[]): { labels: number[]; scores: Record<string, number[]> } {
  const round = (v: number): number => Math.round(v * 1e3) / 1e3;
  return { labels, scores: Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, Array.from(v, round)])) };
}

async function drawAnomalies(
  run: OpenRun,
  test: ImageDataset,
  scores: Scores,
  anomalous: boolean[],
  reports: ScoreReport[],
  primary: ScoreName,
): Promise<string[]> {
  const name = `normal: ${run.config.classes!.map((c) => test.classNames[c] ?? c).join(', ')}`;
  const roc = await savePlot(
    join(run.dir, 'anomaly-roc'),
    rocSpec(
      reports.map((r) => ({ score: r.score, auroc: r.auroc, points: r.roc })),
      `ROC of each anomaly score (${name})`,
    ),
  );
  const rows = reports.flatMap((r) =>
    Array.from(scores[r.score]!, (value, i) => ({
      score: r.score,
      value,
      kind: anomalous[i] ? 'anomalous' : 'normal',
    })),
  );
  const hist = await savePlot(
    join(run.dir, 'anomaly-histogram'),
    scoreHistogramSpec(
      rows,
      reports.map((r) => ({ score: r.score, threshold: r.threshold })),
      `scores of normal and anomalous test images (${name}); dashed: threshold`,
    ),
  );
  const order = Array.from(scores[primary]!, (v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  const grid = async (file: string, idx: number[]): Promise<string> => {
    const images = tidy(() =>
      test.images
        .indexSelect(0, tensor(idx, { dtype: 'int64' }))
        .float()
        .div(255),
    );
    await saveImageGrid(join(run.dir, file), images, { cols: 8, scale: 2 });
    images.dispose();
    return join(run.dir, file);
  };
  const most = await grid(
    'most-anomalous.png',
    order.slice(0, 32).map(([, i]) => i),
  );
  const least = await grid(
    'least-anomalous.png',
    order.slice(-32).map(([, i]) => i),
  );
  return [roc.png, roc.svg, hist.png, hist.svg, most, least];
}

/** Opens `dir` and analyses it. */
export function analyseRunDir(dir: string, o: { k: number }): Promise<AnomalyResult> {
  return withOpenRun(dir, (run) => analyseAnomalies(run, o));
}

/** The one-class protocol's table from its runs' results (one per normal class, in order): each score's AUROC per class, and its mean. */
export function oneClassAuroc(results: AnomalyResult[]): {
  scores: string[];
  auroc: Record<string, number[]>;
  mean: Record<string, number>;
} {
  const scores = SCORE_NAMES.filter((s) => results.length && results.every((r) => r.scores.some((x) => x.score === s)));
  const auroc = Object.fromEntries(
    scores.map((s) => [s, results.map((r) => r.scores.find((x) => x.score === s)!.auroc)]),
  );
  const mean = Object.fromEntries(scores.map((s) => [s, auroc[s]!.reduce((a, b) => a + b, 0) / results.length]));
  return { scores, auroc, mean };
}

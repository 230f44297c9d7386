/**
 * What a section of the report is, and the helpers the sections share: the context they
 * analyse their runs in, figures with their commands, and the evaluations of
 * `latentlab eval` / `quality` / `anomaly` (the same library calls, reused from the run
 * folder when the result there is newer than the model and asked with the same settings).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { analyseAnomalies, type AnomalyResult } from '../workflow/anomaly.js';
import { evaluateRun, type EvalResult } from '../eval/evaluate-run.js';
import { sampleQuality, type SampleQuality } from '../eval/sample-quality.js';
import { withOpenRun, type OpenRun } from '../train/open-run.js';
import { FILES } from '../train/run-dir.js';
import type { ExperimentPlan } from './plan.js';
import { shellWord, type RunSpec } from './runs.js';
import type { FigureEntry, NumberEntry, SectionBody } from './types.js';

export interface SectionContext {
  plan: ExperimentPlan;
  /** The report folder, as it was given. */
  root: string;
  message(text: string): void;
}

export interface Section {
  id: string;
  title: string;
  /** The runs the section needs (trained before any section is analysed). */
  runs(plan: ExperimentPlan): RunSpec[];
  analyse(ctx: SectionContext): Promise<SectionBody>;
}

/** Run `name`'s folder, as commands name it. */
export const runDir = (ctx: SectionContext, name: string): string => join(ctx.root, 'runs', name);

/** The same, quoted for a command line. */
export const runArg = (ctx: SectionContext, name: string): string => shellWord(runDir(ctx, name));

export function figure(ctx: SectionContext, file: string, caption: string, command: string): FigureEntry {
  return { file: relative(ctx.root, file), caption, command };
}

/** Marks a figure as one of the section's key pictures. */
export const key = (f: FigureEntry): FigureEntry => ({ ...f, key: true });

/** A run's own picture (written by training), with the command that draws it again (the same picture, but for the plots' titles). */
export function runFigure(
  ctx: SectionContext,
  name: string,
  file: string,
  caption: string,
  command?: string,
): FigureEntry {
  return figure(ctx, join(runDir(ctx, name), file), caption, command ?? drawingCommand(ctx, name, file));
}

/** The command that draws a run's picture again ('' for a file no command draws alone). */
function drawingCommand(ctx: SectionContext, name: string, file: string): string {
  const run = runArg(ctx, name);
  switch (file) {
    case 'samples.png':
      return `latentlab sample --run ${run} --seed 7`; // training draws its samples with seed 7
    case 'reconstructions.png':
      return `latentlab reconstruct --run ${run}`;
    case 'manifold.png':
      return `latentlab manifold --run ${run} --scale 1`;
    case 'latent-map.png':
      return `latentlab latent-map --run ${run}`;
    case 'curves.png':
      return `latentlab curves --run ${run}`;
    case 'progress.gif':
      return `written by training (one frame per epoch): ${readMarkerCommand(ctx, name)}`;
    default:
      return '';
  }
}

function readMarkerCommand(ctx: SectionContext, name: string): string {
  const p = join(runDir(ctx, name), 'reproduce.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as { command: string }).command : '';
}

/** A result file the commands write into the run folder, if it is newer than the model and `fits`; else computes it. */
async function reuseOr<T>(
  ctx: SectionContext,
  name: string,
  file: string,
  fits: (r: T) => boolean,
  compute: (run: OpenRun) => Promise<T>,
): Promise<T> {
  const dir = runDir(ctx, name);
  const path = join(dir, file);
  if (existsSync(path) && statSync(path).mtimeMs >= statSync(join(dir, FILES.model)).mtimeMs) {
    const r = JSON.parse(readFileSync(path, 'utf8')) as T;
    if (fits(r)) {
      ctx.message(`using ${path}, newer than the model and made with the same settings`);
      return r;
    }
  }
  return withOpenRun(dir, compute);
}

/** `latentlab eval --run <run> --k k [--limit n]`, and that command. */
export async function evalRun(
  ctx: SectionContext,
  name: string,
  k: number,
  limit: number | null,
): Promise<{ result: EvalResult; command: string }> {
  const command = `latentlab eval --run ${runArg(ctx, name)} --k ${k}${limit ? ` --limit ${limit}` : ''}`;
  const result = await reuseOr<EvalResult>(
    ctx,
    name,
    'eval.json',
    // A limited test set is named like mnist-test[:1000].
    (r) => r.k === k && (limit === null ? !r.dataset.includes('[:') : r.test_images === limit),
    (run) => evaluateRun(run, { k, ...(limit ? { limit } : {}) }),
  );
  return { result, command };
}

/** `latentlab quality --run <run> --n n [--classifier-images ...]`, and that command. */
export async function qualityRun(
  ctx: SectionContext,
  name: string,
): Promise<{ result: SampleQuality; command: string }> {
  const { samples: n } = ctx.plan.gans;
  const profile = ctx.plan.classifier;
  const command = `latentlab quality --run ${runArg(ctx, name)} --n ${n}${profile ? ` --classifier-images ${profile.images} --classifier-epochs ${profile.epochs}` : ''}`;
  const result = await reuseOr<SampleQuality>(
    ctx,
    name,
    'sample-quality.json',
    (r) => r.samples === n && r.seed === 0 && JSON.stringify(r.classifier_profile ?? null) === JSON.stringify(profile),
    (run) =>
      sampleQuality(run, {
        n,
        ...(profile ? { classifier: profile } : {}),
        onEpoch: (e, acc) =>
          ctx.message(`training the feature classifier: epoch ${e}, test accuracy ${(acc * 100).toFixed(2)}%`),
      }),
  );
  return { result, command };
}

/** `latentlab anomaly --run <run> --k k`, and that command. */
export async function anomalyRun(
  ctx: SectionContext,
  name: string,
  k: number,
): Promise<{ result: AnomalyResult; command: string }> {
  const command = `latentlab anomaly --run ${runArg(ctx, name)} --k ${k}`;
  const result = await reuseOr<AnomalyResult>(
    ctx,
    name,
    'anomaly.json',
    (r) => r.k === k,
    (run) => analyseAnomalies(run, { k }),
  );
  return { result, command };
}

/** The test -ELBO and its terms of an evaluation, as numbers. */
export function elboNumbers(what: string, e: EvalResult, command: string): NumberEntry[] {
  const of = `${what}, ${e.test_images.toLocaleString('en')} test images`;
  return [
    { label: `${of}: negative ELBO`, value: e.test_neg_elbo, unit: 'nats per image', command },
    { label: `${of}: reconstruction term`, value: e.test_recon, unit: 'nats per image', command },
    { label: `${of}: KL term`, value: e.test_kl, unit: 'nats per image', command },
  ];
}

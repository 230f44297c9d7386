/**
 * `train --threads auto`: whether this model trains faster on one thread or on every core (split
 * among the workers that share the machine). Small models spend a step on many small operators,
 * where waking threads costs more than it saves; large convolutions gain from every core. No
 * fixed rule knows which, so a few steps are timed at each count, on a throwaway copy of the
 * model (its own weights and optimizer, freed after), before the run's seed is set: the run
 * itself is the one it would be with that count given as --threads, and the choice is written
 * into config.json so that a resumed or repeated run uses the same count.
 */
import { availableParallelism } from 'node:os';
import { BatchLoader, type Batch } from '../data/loader.js';
import type { ImageDataset } from '../data/dataset.js';
import type { Model } from '../models/model.js';
import { setNumThreads } from '../tensor/runtime.js';
import type { RunConfig } from './config.js';
import { OptimizerGroup, stepContext } from './optimizers.js';
import { endlessBatches, markedStep, NO_PHASES } from './profile.js';

/** What the timing found: the count chosen and the median milliseconds per step at each count tried. */
export interface ThreadChoice {
  threads: number;
  msPerStep: Record<string, number>;
}

/** Untimed steps before the timed ones at each count (first-call allocations, thread start-up). */
const WARMUP = 2;
/** Timed steps at each count, in each of two rounds. */
const TIMED = 4;

/**
 * Times `TIMED` training steps (after `WARMUP`) of a fresh model from `build` at 1 thread and at
 * every core divided by `workers`, in two interleaved rounds, and keeps the count with the lower
 * median; ties go to 1 thread, which leaves the other cores to other work.
 */
export function chooseThreads(c: RunConfig, train: ImageDataset, build: () => Model, workers = 1): ThreadChoice {
  const all = Math.max(1, Math.floor(availableParallelism() / workers));
  const counts = [...new Set([1, all])];
  if (counts.length === 1) return { threads: 1, msPerStep: {} };
  const times: Record<number, number[]> = {};
  for (let round = 0; round < 2; round++)
    for (const n of counts) (times[n] ??= []).push(...timeSteps(c, train, build, n));
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const msPerStep = Object.fromEntries(counts.map((n) => [String(n), Math.round(median(times[n]!) * 100) / 100]));
  const threads = counts.reduce((best, n) => (msPerStep[String(n)]! < msPerStep[String(best)]! ? n : best), 1);
  return { threads, msPerStep };
}

/** Milliseconds of each timed step at `threads` threads, on a model and optimizer made and freed here. */
function timeSteps(c: RunConfig, train: ImageDataset, build: () => Model, threads: number): number[] {
  setNumThreads(threads);
  const model = build();
  const optimizer = OptimizerGroup.create(c, model.parameterGroups());
  const ctx = stepContext(optimizer);
  const loader = new BatchLoader(train, { batchSize: c.batchSize, shuffle: false, binarize: c.binarize });
  const batches = endlessBatches(loader); // a small dataset has fewer batches than the steps timed
  const ms: number[] = [];
  try {
    model.train();
    for (let step = 0; step < WARMUP + TIMED; step++) {
      const { b, epoch } = batches.next().value as { b: Batch; epoch: number };
      const t0 = performance.now();
      markedStep(model, ctx, NO_PHASES, b, epoch, loader.numBatches);
      if (step >= WARMUP) ms.push(performance.now() - t0);
    }
  } finally {
    batches.return(undefined);
    model.dispose();
    optimizer.dispose();
  }
  return ms;
}

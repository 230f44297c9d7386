/**
 * `train --profile N`: one warm-up step, then N training steps under libtorch's profiler
 * (profile.ts), running on into the next epochs when one has fewer batches; no evaluation and no
 * checkpoint (the weights of a few steps are nothing to keep). The run folder gets
 * profile-trace.json and profile.json (profile-report.ts), the caller the tables, and the run stops.
 */
import type { Batch } from '../data/loader.js';
import type { ProfilerRecord } from '../binding/native.js';
import { getNumThreads } from '../tensor/runtime.js';
import { effectiveLr } from './config.js';
import { chromeTrace, formatProfile, summarize, writeProfile, type ProfileSummary } from './profile-report.js';
import { endlessBatches, markedStep, StepProfiler } from './profile.js';
import { learningRate } from './schedules.js';
import type { Trainer, TrainResult } from './trainer.js';

/** Steps run before the profiler starts: the first one pays once for what later steps reuse (allocations, caches). */
export const WARMUP_STEPS = 1;

/** What a profiled run hands its caller: the tables and the files written. */
export interface ProfileResult {
  summary: ProfileSummary;
  files: { trace: string; table: string };
}

/** The trainer's run under `--profile steps` (see the top of this file); `stopRequested` ends it early (Ctrl-C). */
export async function profileRun(trainer: Trainer, steps: number, stopRequested: () => boolean): Promise<TrainResult> {
  const { config: c, model, optimizer, phases } = trainer;
  const loader = trainer.data.train;
  model.train(true);
  let profiler: StepProfiler | null = null;
  let record: ProfilerRecord | null = null;
  let taken = 0;
  let lastYield = performance.now();
  const batches = endlessBatches(loader);
  try {
    for (;;) {
      if (taken === WARMUP_STEPS) {
        profiler = new StepProfiler();
        phases.listener = profiler;
      }
      profiler?.beginStep();
      phases.enter('data'); // from here: the shuffle of an epoch that begins is data too
      const { b, epoch } = batches.next().value as { b: Batch; epoch: number };
      optimizer.lr = learningRate(c, effectiveLr(c), epoch);
      markedStep(model, trainer.context, phases, b, epoch, loader.numBatches);
      profiler?.endStep();
      taken++;
      if (profiler?.stepsDone === steps || stopRequested()) break;
      if (performance.now() - lastYield > 50) {
        await new Promise((r) => setImmediate(r)); // lets signals through
        lastYield = performance.now();
      }
    }
  } finally {
    batches.return(undefined); // frees the epoch's order
    phases.listener = null;
    record = profiler?.stop() ?? null;
  }
  const done = profiler?.stepsDone ?? 0;
  const threads = getNumThreads();
  const summary = summarize(record ?? emptyRecord(), done, { model: c.model, threads });
  const files = writeProfile(trainer.dir, chromeTrace(record ?? emptyRecord(), { model: c.model, threads }), summary);
  if (trainer.callbacks.onProfile) trainer.callbacks.onProfile({ summary, files });
  else trainer.callbacks.onMessage?.(`${formatProfile(summary)}\n\n${whereTheFilesAre(files)}`);
  return {
    epochsDone: trainer.state.epoch,
    last: null,
    stopReason: done === steps ? `profiled ${steps} training steps` : `profiled ${done} of ${steps} training steps`,
    interrupted: false,
  };
}

/** A line naming the profile's files and what opens the trace. */
export function whereTheFilesAre(files: ProfileResult['files']): string {
  return `trace: ${files.trace} (open it in https://ui.perfetto.dev or chrome://tracing); tables: ${files.table}`;
}

/** A recording of nothing (stopped before the first profiled step). */
function emptyRecord(): ProfilerRecord {
  const none = new Float64Array(0);
  return {
    profiler: 'legacy',
    durationUs: 0,
    names: [],
    scopes: [],
    threads: none,
    startUs: none,
    endUs: none,
    parents: none,
  };
}

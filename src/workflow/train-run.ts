/**
 * Training as `latentlab train` does it, in one place for the CLI, `reproduce`, `anomaly` and
 * (through the CLI they spawn) the web server's jobs: lock the run folder and set the run up
 * (or resume its checkpoint), record a picture frame after every epoch, train, draw the
 * finished run's pictures, and release the lock however that ends. What differs between
 * callers (progress bars, live status, the class watch) attaches through the trainer's
 * callbacks and `onReady`.
 */
import type { PreparedRun } from '../train/prepare.js';
import { prepareRun } from '../train/prepare.js';
import type { RunConfig } from '../train/config.js';
import { readMetrics } from '../train/run-dir.js';
import type { TrainerCallbacks, TrainResult } from '../train/trainer.js';
import { TrainingPictures, writeRunPictures } from '../viz/progress.js';

/** How trainRun runs: resume or start, lock handling, pictures, callbacks, cancellation. */
export interface TrainRunOptions {
  /** Go on from the checkpoint in the folder (its configuration must be `config`); without one, start it from the beginning. */
  resume?: boolean;
  /** Take the run folder's lock even from a process on another host (train --break-lock). */
  breakLock?: boolean;
  /** Hears notes about the run folder (a stale lock taken over, a restart); default: callbacks.onMessage. */
  onNote?: (text: string) => void;
  /** Draw the progress frames and the finished run's pictures (default true). */
  pictures?: boolean;
  callbacks?: TrainerCallbacks;
  /** Aborting checkpoints the run where it stands and returns (result.interrupted). */
  signal?: AbortSignal;
  /** Called once the run is set up (and resumed), before the first step. */
  onReady?(run: PreparedRun): void | Promise<void>;
}

/** The trainer's result, with the pictures written and where it stands. */
export interface TrainRunResult extends TrainResult {
  /** The pictures written (none when interrupted or asked for none). */
  pictures: string[];
  /** Where the trainer stands (1-based epoch in progress, next batch) when interrupted. */
  position: { epoch: number; batch: number };
}

/** Trains the run in `dir` with `config` as `latentlab train` does (see the top of this file); resolves when it ends. */
export async function trainRun(config: RunConfig, dir: string, o: TrainRunOptions = {}): Promise<TrainRunResult> {
  let pictures: TrainingPictures | null = null;
  const cb = o.callbacks ?? {};
  const run = await prepareRun(
    config,
    dir,
    !o.resume,
    {
      ...cb,
      onEpochEnd: async (record, extras) => {
        pictures?.record();
        await cb.onEpochEnd?.(record, extras);
      },
    },
    { ...(o.breakLock ? { breakLock: true } : {}), ...(o.onNote ? { onNote: o.onNote } : {}) },
  );
  const stop = (): void => run.trainer.requestStop(String(o.signal?.reason ?? 'interrupted'));
  try {
    if (o.resume) run.trainer.resume();
    // A profiled run (--profile) stops after a few steps: nothing to draw.
    if (o.pictures !== false && !config.profile) pictures = new TrainingPictures(run.model, run.datasets.test);
    await o.onReady?.(run);
    if (o.signal?.aborted) stop();
    else o.signal?.addEventListener('abort', stop);
    const result = await run.trainer.fit();
    const files =
      pictures && !result.interrupted
        ? await writeRunPictures(dir, run.model, run.datasets.test, readMetrics(dir), pictures, run.declaration.metrics)
        : [];
    return {
      ...result,
      pictures: files,
      position: { epoch: run.trainer.state.epoch + 1, batch: run.trainer.state.batch },
    };
  } finally {
    o.signal?.removeEventListener('abort', stop);
    pictures?.dispose();
    run.dispose();
  }
}

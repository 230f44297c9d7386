/**
 * The trainer: epochs of steps, evaluation, early stopping, a checkpoint after every epoch, exact resumption (model,
 * optimizer, RNG, position within the epoch), a graceful stop that checkpoints where it stands, and a guard against
 * non-finite losses. It knows no model family: the model's trainingStep and validationStep do the work, its
 * declaration names the metric early stopping watches, and every backward pass and update goes through the step
 * context here. It knows nothing of the CLI, the web or pictures: they attach through callbacks.
 */
import { findModel } from '../models/registry.js';
import { snakeCase } from '../util/names.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchLoader } from '../data/loader.js';
import type { Model, StepContext } from '../models/model.js';
import { getRngState, setRngState } from '../tensor/runtime.js';
import { loadSafetensors, saveSafetensors } from '../tensor/safetensors.js';
import { disposeAll, keep, tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { effectiveLr, type RunConfig } from './config.js';
import { stepContext, type OptimizerGroup } from './optimizers.js';
import { markedStep, PhaseSwitch } from './profile.js';
import { profileRun, type ProfileResult } from './profile-run.js';
import { WriteError } from '../util/fs.js';
import {
  appendMetrics,
  hasCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  syncMetrics,
  type TrainerState,
  FILES,
} from './run-dir.js';
import { learningRate } from './schedules.js';
import { accumulate, evaluate } from './validation.js';

/** Per-image averages of the epoch so far, by metric (camelCase), with the images seen and the seconds spent. */
export type PassStats = Record<string, number> & { images: number; seconds: number };

/**
 * One line of metrics.jsonl: epoch, learning rate, time, and the model's metrics as
 * train_<name>, val_<name> and test_<name> (VAEs: train_neg_elbo, test_kl, ...; GANs:
 * train_d_loss, train_g_loss, train_d_real, train_d_fake, ...), plus what the epoch hooks add.
 */
export type EpochRecord = { epoch: number; lr: number; sec: number; images_per_sec: number } & Record<string, number>;

/** Hooks into the loop (progress bars, live status, pictures); every one optional. */ export interface TrainerCallbacks {
  /** An epoch (1-based) begins, of numBatches batches. */ onEpochStart?(epoch: number, numBatches: number): void;
  /** After each batch (`done` of the epoch). */ onBatch?(epoch: number, done: number, running: PassStats): void;
  /** Extra values for the epoch's metrics line, computed after the epoch (e.g. the class histogram of samples). */
  epochExtras?(epoch: number): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** The epoch is saved. */ onEpochEnd?(record: EpochRecord, extras: Record<string, unknown>): void | Promise<void>;
  /** Notes for the user (early stopping, restored lines). */ onMessage?(text: string): void;
  /** train --profile: the profile is written (else its tables go to onMessage). */ onProfile?(p: ProfileResult): void;
}

/** The loaders: val may be null (no validation, so no early stopping); test is evaluated every epoch. */ export interface TrainerData {
  train: BatchLoader;
  val: BatchLoader | null;
  test: BatchLoader;
}

/** How fit() ended: epochs done in all, the last epoch's line, and why it stopped (null: all epochs ran). */ export interface TrainResult {
  epochsDone: number;
  last: EpochRecord | null;
  stopReason: string | null;
  /** Stopped by requestStop before the end; the checkpoint lets --resume go on. */
  interrupted: boolean;
}

/** Thrown when a training step returns NaN or an infinite value; the last checkpoint stays. */ export class NonFiniteLossError extends Error {}

const emptyPartial = (): TrainerState['partial'] => ({ images: 0, seconds: 0 });

function perImage(s: TrainerState['partial']): PassStats {
  const n = Math.max(1, s.images);
  return { ...Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v / n])), images: s.images, seconds: s.seconds };
}

const prefixed = (prefix: string, m: Record<string, number>, skip: string[] = []): Record<string, number> =>
  Object.fromEntries(
    Object.entries(m).flatMap(([k, v]) => (skip.includes(k) ? [] : [[`${prefix}_${snakeCase(k)}`, round(v)]])),
  );

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

/** Trains a model on a run folder; see the top of this file. `fit()` runs it, `resume()` first to go on. */
export class Trainer {
  #stopRequested: string | null = null;
  #state: TrainerState = {
    epoch: 0,
    batch: 0,
    partial: emptyPartial(),
    bestValue: null,
    bestEpoch: null,
    badEpochs: 0,
    finished: false,
    stopReason: null,
  };
  #order: Tensor | null = null;
  /** The metrics line of the last finished epoch, saved with every checkpoint. */
  #lastLine: string | null = null;

  /** Where the model's steps send their losses: backward and update of the named parameter group. */
  readonly context: StepContext;
  /** Where steps mark their phases (the profiler of --profile listens). */ readonly phases = new PhaseSwitch();

  /** `monitor`: the validation metric early stopping watches (by default the model declaration's), or null. */
  constructor(
    readonly config: RunConfig,
    readonly model: Model,
    readonly optimizer: OptimizerGroup,
    readonly data: TrainerData,
    readonly dir: string,
    readonly callbacks: TrainerCallbacks = {},
    readonly monitor: string | null = findModel(config.model)?.monitor ?? null,
  ) {
    this.context = stepContext(optimizer, this.phases);
  }

  get state(): Readonly<TrainerState> {
    return this.#state;
  }

  /** Asks the loop to checkpoint where it stands and return (Ctrl-C, a stop button). */
  requestStop(reason = 'stopped by request'): void {
    this.#stopRequested = reason;
  }

  /**
   * Restores model, optimizer, RNG and position from the run directory's checkpoint, and makes
   * metrics.jsonl match it (one line per epoch done). A folder without a checkpoint (killed
   * before its first one) starts from the beginning, as a fresh run would: returns false.
   */
  resume(): boolean {
    if (!hasCheckpoint(this.dir)) {
      if (existsSync(join(this.dir, FILES.model)))
        throw new Error(
          `${this.dir} has weights (${FILES.model}) but no optimizer state (${FILES.optimizer}), so it cannot resume exactly (an imported run, or the file was removed); train a new run with --out`,
        );
      syncMetrics(this.dir, 0);
      return false;
    }
    const ck = loadCheckpoint(this.dir);
    try {
      this.model.loadStateDict(ck.model);
      this.optimizer.loadStateDict(ck.optimizer);
      setRngState(ck.rng);
      this.#state = ck.state;
      this.#order = ck.order ? keep(ck.order.clone()) : null;
      this.#lastLine = ck.metricsLine ?? null;
      if (syncMetrics(this.dir, ck.state.epoch, this.#lastLine))
        this.callbacks.onMessage?.(`restored the metrics line of epoch ${ck.state.epoch} from the checkpoint`);
      return true;
    } finally {
      disposeAll([ck.model, ck.optimizer, ck.rng, ck.order]);
    }
  }

  /** Runs until config.epochs are done, early stopping triggers, or a stop is requested; --profile: see profile-run.ts. */
  async fit(): Promise<TrainResult> {
    const c = this.config;
    if (c.profile) return profileRun(this, c.profile, () => this.#stopRequested !== null);
    let last: EpochRecord | null = null;
    if (!this.#state.finished) this.#state.stopReason = null; // an interrupted run that resumes is running again
    this.#state.finished = false;
    while (this.#state.epoch < c.epochs && !this.#stopRequested) {
      const record = await this.#runEpoch();
      if (!record) break; // stopped inside the epoch, checkpointed there
      last = record;
      if (this.#earlyStop(record)) {
        this.#state.stopReason = `early stopping: no improvement of ${c.minDelta} in the validation ${snakeCase(this.monitor!)} for ${c.patience} epochs (best ${round(this.#state.bestValue!, 3)} at epoch ${this.#state.bestEpoch})`;
        this.callbacks.onMessage?.(this.#state.stopReason);
        break;
      }
    }
    if (this.#state.stopReason?.startsWith('early stopping')) this.#restoreBest();
    this.#state.finished = this.#state.epoch >= c.epochs || this.#state.stopReason !== null;
    if (this.#stopRequested && !this.#state.finished) this.#state.stopReason = this.#stopRequested;
    this.#checkpoint();
    return {
      epochsDone: this.#state.epoch,
      last,
      stopReason: this.#state.stopReason,
      interrupted: !this.#state.finished,
    };
  }

  async #runEpoch(): Promise<EpochRecord | null> {
    const c = this.config;
    const loader = this.data.train;
    const epoch = this.#state.epoch; // 0-based index of the epoch in progress
    this.optimizer.lr = learningRate(c, effectiveLr(c), epoch);
    this.#order ??= loader.plan();
    this.model.train(true);
    this.callbacks.onEpochStart?.(epoch + 1, loader.numBatches);
    const s = this.#state.partial;
    let lastYield = performance.now();
    for (const b of loader.batches(this.#order, this.#state.batch)) {
      const t0 = performance.now();
      const r = markedStep(this.model, this.context, this.phases, b, epoch, loader.numBatches);
      const bad = Object.entries(r).find(([, v]) => !Number.isFinite(v));
      if (bad) {
        throw new NonFiniteLossError(
          `the ${snakeCase(bad[0]).replace(/_/g, ' ')} became ${bad[1]} at epoch ${epoch + 1}, batch ${b.index + 1} (learning rate ${this.optimizer.lr}); training stopped. ` +
            `The last good checkpoint (after epoch ${epoch}) is kept in ${this.dir}. Try a smaller --lr.`,
        );
      }
      accumulate(s, r);
      s.images += b.size;
      s.seconds += (performance.now() - t0) / 1000;
      this.#state.batch = b.index + 1;
      this.callbacks.onBatch?.(epoch + 1, b.index + 1, perImage(s));
      if (performance.now() - lastYield > 50) {
        await new Promise((r) => setImmediate(r)); // lets signals, servers and progress bars through
        lastYield = performance.now();
        if (this.#stopRequested) return null;
      }
    }
    const train = perImage(s);
    const val = this.data.val ? evaluate(this.model, this.data.val) : null;
    const test = evaluate(this.model, this.data.test);
    const monitor = this.monitor;
    const epochValues = this.model.epochValues?.(epoch + (loader.numBatches - 1) / loader.numBatches) ?? {};
    const record: EpochRecord = {
      epoch: epoch + 1,
      ...prefixed('train', train, ['images', 'seconds']),
      ...Object.fromEntries(Object.entries(epochValues).map(([k, v]) => [k, round(v, 6)])),
      lr: this.optimizer.lr,
      ...(val && monitor ? prefixed('val', { [monitor]: val[monitor]! }) : {}),
      ...(test ? prefixed('test', test, ['loss', 'images', 'seconds']) : {}),
      sec: round(train.seconds, 3),
      images_per_sec: Math.round(train.images / Math.max(train.seconds, 1e-9)),
    };
    this.#order?.dispose();
    this.#order = null;
    this.#state = { ...this.#state, epoch: epoch + 1, batch: 0, partial: emptyPartial() };
    if (val && monitor) this.#trackBest(val[monitor]!, epoch + 1);
    // The line goes into the checkpoint, then into metrics.jsonl: a kill between the two loses nothing.
    const extras = (await this.callbacks.epochExtras?.(epoch + 1)) ?? {};
    this.#lastLine = JSON.stringify({ ...record, ...extras });
    this.#checkpoint();
    appendMetrics(this.dir, this.#lastLine);
    await this.callbacks.onEpochEnd?.(record, extras);
    return record;
  }

  #trackBest(value: number, epoch: number): void {
    const st = this.#state;
    if (st.bestValue === null || value < st.bestValue - this.config.minDelta) {
      st.bestValue = value;
      st.bestEpoch = epoch;
      st.badEpochs = 0;
      if (this.config.patience !== null)
        saveSafetensors(join(this.dir, FILES.best), this.model.stateDict(), { format: 'pt', epoch: String(epoch) });
    } else {
      st.badEpochs++;
    }
  }

  /** Early stopping keeps the best model: its weights become the run's model. */
  #restoreBest(): void {
    const best = loadSafetensors(join(this.dir, FILES.best));
    try {
      this.model.loadStateDict(best.tensors);
    } finally {
      disposeAll(best.tensors);
    }
    this.callbacks.onMessage?.(
      `restored the best model (epoch ${this.#state.bestEpoch}, validation ${snakeCase(this.monitor!)} ${round(this.#state.bestValue!, 3)})`,
    );
  }

  #earlyStop(record: EpochRecord): boolean {
    const p = this.config.patience;
    return (
      p !== null &&
      this.monitor !== null &&
      record[`val_${snakeCase(this.monitor)}`] !== undefined &&
      this.#state.badEpochs >= p
    );
  }

  #checkpoint(): void {
    try {
      tidy(() => {
        saveCheckpoint(this.dir, {
          model: this.model.stateDict(),
          optimizer: this.optimizer.stateDict(),
          rng: getRngState(),
          order: this.#order,
          state: this.#state,
          metricsLine: this.#lastLine,
        });
      });
    } catch (err) {
      if (err instanceof WriteError)
        err.message += `; training stopped, and the last good checkpoint in ${this.dir} is kept as it was`;
      throw err;
    }
  }
}

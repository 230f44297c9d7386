/**
 * The trainer: epochs of steps, evaluation, early stopping, a checkpoint after every epoch,
 * exact resumption (model, optimizer, RNG, position within the epoch), a graceful stop that
 * checkpoints where it stands, and a guard against non-finite losses. It knows nothing of the
 * CLI, the web or pictures: they attach through callbacks. trainStep, evalStep and the epoch
 * loop are kept apart and short.
 */
import { join } from 'node:path';
import type { BatchLoader } from '../data/loader.js';
import type { GenerativeModel } from '../models/types.js';
import { noGrad } from '../tensor/autograd.js';
import type { Optimizer } from '../tensor/optim/optimizer.js';
import { getRngState, setRngState, withSeed } from '../tensor/runtime.js';
import { loadSafetensors, saveSafetensors } from '../tensor/safetensors.js';
import { disposeAll, keep, tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { effectiveLr, type RunConfig } from './config.js';
import { appendMetrics, hasCheckpoint, loadCheckpoint, saveCheckpoint, truncateMetrics, type TrainerState, FILES } from './run-dir.js';
import { klWeight, learningRate } from './schedules.js';

/** Per-image averages of one pass (nats per image). */
export interface PassStats {
  loss: number;
  negElbo: number;
  recon: number;
  kl: number;
  images: number;
  seconds: number;
}

export interface EpochRecord {
  epoch: number;
  train_loss: number;
  train_neg_elbo: number;
  train_recon: number;
  train_kl: number;
  beta: number;
  lr: number;
  val_neg_elbo?: number;
  test_neg_elbo: number;
  test_recon: number;
  test_kl: number;
  sec: number;
  images_per_sec: number;
}

export interface TrainerCallbacks {
  onEpochStart?(epoch: number, numBatches: number): void;
  onBatch?(epoch: number, done: number, running: PassStats): void;
  onEpochEnd?(record: EpochRecord): void | Promise<void>;
  onMessage?(text: string): void;
}

export interface TrainerData {
  train: BatchLoader;
  val: BatchLoader | null;
  test: BatchLoader;
}

export interface TrainResult {
  epochsDone: number;
  last: EpochRecord | null;
  stopReason: string | null;
  /** Stopped by requestStop before the end; the checkpoint lets --resume go on. */
  interrupted: boolean;
}

export class NonFiniteLossError extends Error {}

/** Seed of the fixed binarization and sampling noise used for evaluation, apart from training's. */
const EVAL_SEED = 20240611;

const emptyPartial = (): TrainerState['partial'] => ({ loss: 0, negElbo: 0, recon: 0, kl: 0, images: 0, seconds: 0 });

/** One optimisation step; returns the batch's summed loss terms. */
export function trainStep(model: GenerativeModel, opt: Optimizer, x: Tensor, beta: number): Omit<PassStats, 'images' | 'seconds'> {
  return tidy(() => {
    const t = model.lossTerms(x, beta);
    opt.zeroGrad();
    t.loss.div(x.size(0)).backward();
    opt.step();
    return { loss: t.loss.item(), negElbo: t.negElbo.item(), recon: t.recon.item(), kl: t.kl.item() };
  });
}

/** Loss terms of a batch without gradients. */
export function evalStep(model: GenerativeModel, x: Tensor, beta = 1): Omit<PassStats, 'images' | 'seconds'> {
  return noGrad(() =>
    tidy(() => {
      const t = model.lossTerms(x, beta);
      return { loss: t.loss.item(), negElbo: t.negElbo.item(), recon: t.recon.item(), kl: t.kl.item() };
    }),
  );
}

/**
 * Average loss terms over a loader in eval mode. Dynamic binarization and the VAE's sampling
 * use a fixed seed (the caller's RNG state is restored), so numbers compare across epochs.
 */
export function evaluate(model: GenerativeModel, loader: BatchLoader): PassStats {
  const wasTraining = model.training;
  model.eval();
  const t0 = performance.now();
  const s = emptyPartial();
  try {
    withSeed(EVAL_SEED, () => {
      for (const b of loader.epoch()) accumulate(s, tidy(() => evalStep(model, b.load().x)), b.size);
    });
  } finally {
    model.train(wasTraining);
  }
  s.seconds = (performance.now() - t0) / 1000;
  return perImage(s);
}

function accumulate(s: TrainerState['partial'], r: Omit<PassStats, 'images' | 'seconds'>, n: number): void {
  s.loss += r.loss;
  s.negElbo += r.negElbo;
  s.recon += r.recon;
  s.kl += r.kl;
  s.images += n;
}

function perImage(s: TrainerState['partial']): PassStats {
  const n = Math.max(1, s.images);
  return { loss: s.loss / n, negElbo: s.negElbo / n, recon: s.recon / n, kl: s.kl / n, images: s.images, seconds: s.seconds };
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

export class Trainer {
  #stopRequested: string | null = null;
  #state: TrainerState = { epoch: 0, batch: 0, partial: emptyPartial(), bestValue: null, bestEpoch: null, badEpochs: 0, finished: false, stopReason: null };
  #order: Tensor | null = null;

  constructor(
    readonly config: RunConfig,
    readonly model: GenerativeModel,
    readonly optimizer: Optimizer,
    readonly data: TrainerData,
    readonly dir: string,
    readonly callbacks: TrainerCallbacks = {},
  ) {}

  get state(): Readonly<TrainerState> {
    return this.#state;
  }

  /** Asks the loop to checkpoint where it stands and return (Ctrl-C, a stop button). */
  requestStop(reason = 'stopped by request'): void {
    this.#stopRequested = reason;
  }

  /** Restores model, optimizer, RNG and position from the run directory's checkpoint. */
  resume(): void {
    if (!hasCheckpoint(this.dir)) throw new Error(`${this.dir} has no checkpoint to resume from`);
    const ck = loadCheckpoint(this.dir);
    try {
      this.model.loadStateDict(ck.model);
      this.optimizer.loadStateDict(ck.optimizer);
      setRngState(ck.rng);
      this.#state = ck.state;
      this.#order = ck.order ? keep(ck.order.clone()) : null;
      truncateMetrics(this.dir, ck.state.epoch);
    } finally {
      disposeAll([ck.model, ck.optimizer, ck.rng, ck.order]);
    }
  }

  /** Runs until config.epochs are done, early stopping triggers, or a stop is requested. */
  async fit(): Promise<TrainResult> {
    const c = this.config;
    let last: EpochRecord | null = null;
    if (!this.#state.finished) this.#state.stopReason = null; // an interrupted run that resumes is running again
    this.#state.finished = false;
    while (this.#state.epoch < c.epochs && !this.#stopRequested) {
      const record = await this.#runEpoch();
      if (!record) break; // stopped inside the epoch, checkpointed there
      last = record;
      if (this.#earlyStop(record)) {
        this.#state.stopReason = `early stopping: no validation improvement of ${c.minDelta} nats for ${c.patience} epochs (best ${round(this.#state.bestValue!, 3)} at epoch ${this.#state.bestEpoch})`;
        this.callbacks.onMessage?.(this.#state.stopReason);
        break;
      }
    }
    if (this.#state.stopReason?.startsWith('early stopping')) this.#restoreBest();
    this.#state.finished = this.#state.epoch >= c.epochs || this.#state.stopReason !== null;
    if (this.#stopRequested && !this.#state.finished) this.#state.stopReason = this.#stopRequested;
    this.#checkpoint();
    return { epochsDone: this.#state.epoch, last, stopReason: this.#state.stopReason, interrupted: !this.#state.finished };
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
    let beta = klWeight(c, epoch);
    for (const b of loader.batches(this.#order, this.#state.batch)) {
      const t0 = performance.now();
      beta = klWeight(c, epoch + b.index / loader.numBatches);
      const r = tidy(() => trainStep(this.model, this.optimizer, b.load().x, beta));
      if (!Number.isFinite(r.loss)) {
        throw new NonFiniteLossError(
          `the loss became ${r.loss} at epoch ${epoch + 1}, batch ${b.index + 1} (learning rate ${this.optimizer.lr}); training stopped. ` +
            `The last good checkpoint (after epoch ${epoch}) is kept in ${this.dir}. Try a smaller --lr.`,
        );
      }
      accumulate(s, r, b.size);
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
    const record: EpochRecord = {
      epoch: epoch + 1,
      train_loss: round(train.loss),
      train_neg_elbo: round(train.negElbo),
      train_recon: round(train.recon),
      train_kl: round(train.kl),
      beta: round(beta, 6),
      lr: this.optimizer.lr,
      ...(val ? { val_neg_elbo: round(val.negElbo) } : {}),
      test_neg_elbo: round(test.negElbo),
      test_recon: round(test.recon),
      test_kl: round(test.kl),
      sec: round(train.seconds, 3),
      images_per_sec: Math.round(train.images / Math.max(train.seconds, 1e-9)),
    };
    this.#order?.dispose();
    this.#order = null;
    this.#state = { ...this.#state, epoch: epoch + 1, batch: 0, partial: emptyPartial() };
    if (val) this.#trackBest(val.negElbo, epoch + 1);
    this.#checkpoint();
    appendMetrics(this.dir, record);
    await this.callbacks.onEpochEnd?.(record);
    return record;
  }

  #trackBest(value: number, epoch: number): void {
    const st = this.#state;
    if (st.bestValue === null || value < st.bestValue - this.config.minDelta) {
      st.bestValue = value;
      st.bestEpoch = epoch;
      st.badEpochs = 0;
      if (this.config.patience !== null) saveSafetensors(join(this.dir, FILES.best), this.model.stateDict(), { format: 'pt', epoch: String(epoch) });
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
    this.callbacks.onMessage?.(`restored the best model (epoch ${this.#state.bestEpoch}, validation -ELBO ${round(this.#state.bestValue!, 3)})`);
  }

  #earlyStop(record: EpochRecord): boolean {
    const p = this.config.patience;
    return p !== null && record.val_neg_elbo !== undefined && this.#state.badEpochs >= p;
  }

  #checkpoint(): void {
    tidy(() => {
      saveCheckpoint(this.dir, {
        model: this.model.stateDict(),
        optimizer: this.optimizer.stateDict(),
        rng: getRngState(),
        order: this.#order,
        state: this.#state,
      });
    });
  }
}

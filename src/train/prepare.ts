/**
 * Everything a training run needs, built from a resolved configuration and checked before
 * the first step: the run folder's lock (one writer per run: run-lock.ts), data (train,
 * optional validation split, test), model, optimizer, trainer, and the run directory's
 * config.json with what the run really optimises.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BatchLoader } from '../data/loader.js';
import { loadDataset, type DatasetSpec } from '../data/load.js';
import type { ImageDataset } from '../data/dataset.js';
import type { Model, ModelDeclaration } from '../models/model.js';
import { getModel } from '../models/registry.js';
import { buildInfo, defaultThreads, getNumThreads, manualSeed, setNumThreads } from '../tensor/runtime.js';
import { adamBetas, effectiveLr, modelOptions, type RunConfig } from './config.js';
import { OptimizerGroup } from './optimizers.js';
import { FILES, hasCheckpoint, removeLeftovers, writeConfig } from './run-dir.js';
import { acquireRunLock, type RunLock } from './run-lock.js';
import { Trainer, type TrainerCallbacks } from './trainer.js';
import { chooseThreads, type ThreadChoice } from './auto-threads.js';
import { packageRoot } from '../binding/native.js';
import { readFileSync } from 'node:fs';

/** A run set up by prepareRun, ready for `trainer.fit()` (after `trainer.resume()` to go on). */
export interface PreparedRun {
  config: RunConfig;
  dir: string;
  declaration: ModelDeclaration;
  model: Model;
  optimizer: OptimizerGroup;
  trainer: Trainer;
  datasets: { train: ImageDataset; val: ImageDataset | null; test: ImageDataset };
  /** Resumed without a checkpoint (killed before its first one): trains from the start with its configuration. */
  restarted: boolean;
  /** Frees the model, optimizer and data, and releases the run folder's lock. */
  dispose(): void;
}

/** How prepareRun treats the run folder. */
export interface PrepareOptions {
  /** Take the folder's lock even from a process on another host (train --break-lock). */
  breakLock?: boolean;
  /** Hears notes on stderr's side of things: a stale lock taken over, a restart, leftovers removed. */
  onNote?: (text: string) => void;
}

/** The dataset a run reads, for one split (the limit applies to training only). */
export function runDatasetSpec(c: RunConfig, split: 'train' | 'test'): DatasetSpec {
  const size = c.size ? ([c.size[0], c.size[1] ?? c.size[0]] as [number, number]) : undefined;
  return {
    dataset: c.dataset,
    split,
    ...(c.dataDir ? { dataDir: c.dataDir } : {}),
    ...(c.classes ? { classes: c.classes } : {}),
    ...(split === 'train' && c.limit ? { limit: c.limit } : {}),
    ...(size ? { size } : {}),
    ...(c.channels ? { channels: c.channels as 1 | 3 } : {}),
  };
}

/** Loads a run's train and test data (with its classes, limit, size and channels). */
export async function loadRunData(c: RunConfig): Promise<{ train: ImageDataset; test: ImageDataset }> {
  const train = await loadDataset(runDatasetSpec(c, 'train'));
  const test = await loadDataset(runDatasetSpec(c, 'test'));
  return { train, test };
}

/** A run's training set and its validation split (null without --val-fraction), drawn by the run's seed. */
export function splitValidation(c: RunConfig, full: ImageDataset): [ImageDataset, ImageDataset | null] {
  return c.valFraction > 0 ? full.split(c.valFraction, c.seed) : [full, null];
}

/**
 * `fresh`: a new run (the folder must not hold one); otherwise the caller resumes it (a folder
 * with a configuration but no checkpoint starts from the beginning: `restarted`). The run's
 * folder is locked until dispose(); what killed writers left there is removed.
 */
export async function prepareRun(
  c: RunConfig,
  dir: string,
  fresh: boolean,
  callbacks: TrainerCallbacks = {},
  o: PrepareOptions = {},
): Promise<PreparedRun> {
  const note = o.onNote ?? ((text: string): void => callbacks.onMessage?.(text));
  const lock = acquireRunLock(dir, { command: 'train', breakLock: Boolean(o.breakLock), onNote: note });
  try {
    return await prepareLocked(c, dir, fresh, callbacks, lock, note);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function prepareLocked(
  c: RunConfig,
  dir: string,
  fresh: boolean,
  callbacks: TrainerCallbacks,
  lock: RunLock,
  note: (text: string) => void,
): Promise<PreparedRun> {
  if (fresh && existsSync(join(dir, FILES.config))) {
    throw new Error(`${dir} already holds a run: resume it with --resume, or choose another --out`);
  }
  const left = removeLeftovers(dir);
  if (left.length) note(`removed ${left.length} temporary file(s) a killed writer left in ${dir}: ${left.join(', ')}`);
  // Only a folder with no weights at all restarts: an imported run, or one whose optimizer state
  // was deleted, has weights that must not be trained over (resume() then says what is missing).
  const restarted = !fresh && !hasCheckpoint(dir) && !existsSync(join(dir, FILES.model));
  if (restarted) {
    note(
      `${dir} has no checkpoint yet (stopped before its first one): training it from the start with its configuration`,
    );
    rmSync(join(dir, FILES.best), { force: true });
  }
  if (c.threads !== 'auto') setNumThreads(c.threads ?? defaultThreads());
  const { train: full, test } = await loadRunData(c);
  const [train, val] = splitValidation(c, full); // its own seed: independent of the global one
  const make = (): Model => buildModel(c, train.imageShape, train.classNames.length, train.length);
  let threadsAuto: ThreadChoice | undefined;
  if (c.threads === 'auto') {
    // Timed before the seed is set: the run is then the one `--threads <chosen>` gives.
    const choice = chooseThreads(c, train, make);
    c = { ...c, threads: choice.threads };
    setNumThreads(choice.threads);
    note(
      `--threads auto: ${choice.threads} (ms per step: ${
        Object.entries(choice.msPerStep)
          .map(([n, ms]) => `${n} thread(s) ${ms}`)
          .join(', ') || 'one core'
      })`,
    );
    threadsAuto = choice;
  }
  manualSeed(c.seed);
  const declaration = getModel(c.model);
  const model = make();
  const optimizer = OptimizerGroup.create(c, model.parameterGroups());
  const loader = (ds: ImageDataset, shuffle: boolean, batchSize: number): BatchLoader =>
    new BatchLoader(ds, { batchSize, shuffle, binarize: c.binarize });
  const trainer = new Trainer(
    c,
    model,
    optimizer,
    {
      train: loader(train, true, c.batchSize),
      val: val ? loader(val, false, c.evalBatchSize) : null,
      test: loader(test, false, c.evalBatchSize),
    },
    dir,
    callbacks,
  );
  if (fresh || restarted) {
    writeConfig(dir, c, {
      image_shape: train.imageShape,
      train_images: train.length,
      val_images: val?.length ?? 0,
      test_images: test.length,
      class_names: train.classNames,
      parameters: model.numParameters(),
      lr: effectiveLr(c),
      ...(c.optimizer === 'adam' || c.optimizer === 'adamw' ? { adam_betas: adamBetas(c) } : {}),
      ...(declaration.describe?.(modelOptions<never>(c)) ?? {}),
      threads: getNumThreads(),
      ...(threadsAuto ? { threads_auto_ms_per_step: threadsAuto.msPerStep } : {}),
      versions: runVersions(),
    });
  }
  return {
    config: c,
    dir,
    declaration,
    model,
    optimizer,
    trainer,
    datasets: { train, val, test },
    restarted,
    dispose() {
      try {
        model.dispose();
        optimizer.dispose();
        for (const d of [full, train, val, test]) d?.dispose();
      } finally {
        lock.release();
      }
    },
  };
}

let packageVersion: string | undefined;

/** latentlab's version, from package.json (read once). */
export function version(): string {
  packageVersion ??= (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string })
    .version;
  return packageVersion;
}

/** What config.json records of the software that made a run. */
export function runVersions(): { latentlab: string; libtorch: string; node: string } {
  return { latentlab: version(), libtorch: buildInfo().version, node: process.version };
}

/**
 * The model of a run's configuration, for a dataset of images shaped `imageShape` with
 * `numClasses` classes (conditional models need at least two), trained on `datasetSize` images if known.
 */
export function buildModel(
  c: RunConfig,
  imageShape: [number, number, number],
  numClasses: number,
  datasetSize?: number,
): Model {
  const d = getModel(c.model);
  if (d.conditional && numClasses < 2)
    throw new Error(`${d.name} is conditioned on class labels, but the dataset has ${numClasses} class(es)`);
  return d.build(modelOptions<never>(c), {
    imageShape,
    numClasses,
    epochs: c.epochs,
    ...(datasetSize !== undefined ? { datasetSize } : {}),
  });
}

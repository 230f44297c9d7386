/** Opening a finished (or stopped) run: its configuration, its model with the saved weights, its test data. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageDataset } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import type { Model, ModelDeclaration } from '../models/model.js';
import { getModel } from '../models/registry.js';
import { loadSafetensors } from '../tensor/safetensors.js';
import { disposeAll } from '../tensor/scope.js';
import { resolveStoredConfig, type RunConfig } from './config.js';
import { buildModel, runDatasetSpec } from './prepare.js';
import { FILES, readConfig, readMetrics } from './run-dir.js';

/** An opened run: its settings, its model (weights loaded, in eval mode) and its metrics. */
export interface OpenRun {
  /** The run folder. */
  dir: string;
  config: RunConfig;
  /** The declaration of the run's model. */
  declaration: ModelDeclaration;
  model: Model;
  /** [C, H, W] of the run's images. */
  imageShape: [number, number, number];
  /** The dataset's class names ([] when it has none). */
  classNames: string[];
  /** metrics.jsonl's lines, one per epoch. */
  metrics: Record<string, number>[];
  /** The run's test split (with its classes, size and channels), loaded on first use. */
  testSet(): Promise<ImageDataset>;
  /** Frees the model and the test set, if loaded. */
  dispose(): void;
}

/** Opens a run (its files are read synchronously); a bad run is a rejection, not a throw. */
export function openRun(dir: string): Promise<OpenRun> {
  return new Promise((resolve) => resolve(openRunSync(dir)));
}

/** Opens a run now: its config, weights and metrics; the test set loads on first use. */
export function openRunSync(dir: string): OpenRun {
  if (!existsSync(dir)) throw new Error(`no run at ${dir}`);
  const { resolved, ...stored } = readConfig(dir);
  const config = resolveStoredConfig(stored, {}, join(dir, FILES.config));
  const weights = join(dir, FILES.model);
  if (!existsSync(weights)) throw new Error(`${dir} has no ${FILES.model} yet (has its training started?)`);
  const imageShape = ((resolved?.image_shape as number[] | undefined) ?? [1, 28, 28]) as [number, number, number];
  const classNames = (resolved?.class_names as string[] | undefined) ?? [];
  const trainImages = resolved?.train_images as number | undefined; // beta-TCVAE's N, as in training
  const model = buildModel(config, imageShape, classNames.length, trainImages);
  const saved = loadSafetensors(weights);
  try {
    model.loadStateDict(saved.tensors);
  } finally {
    disposeAll(saved.tensors);
  }
  model.eval();
  let test: Promise<ImageDataset> | null = null; // the promise, so that two callers load it once
  let disposed = false;
  return {
    dir,
    config,
    declaration: getModel(config.model),
    model,
    imageShape,
    classNames,
    metrics: readMetrics(dir),
    testSet() {
      if (disposed) return Promise.reject(new Error(`the run ${dir} was closed`));
      test ??= loadDataset(runDatasetSpec(config, 'test'));
      return test;
    },
    dispose() {
      disposed = true;
      model.dispose();
      void test?.then(
        (ds) => ds.dispose(),
        () => undefined,
      );
    },
  };
}

/** Opens a run, gives it to `fn`, and frees it afterwards, however `fn` ends. */
export async function withOpenRun<T>(dir: string, fn: (run: OpenRun) => T | Promise<T>): Promise<T> {
  const run = await openRun(dir);
  try {
    return await fn(run);
  } finally {
    run.dispose();
  }
}

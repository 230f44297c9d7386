/**
 * Everything a training run needs, built from a resolved configuration and checked before
 * the first step: data (train, optional validation split, test), model, optimizer, trainer,
 * and the run directory's config.json with what the run really optimises.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BatchLoader } from '../data/loader.js';
import { loadDataset, type DatasetSpec } from '../data/load.js';
import type { ImageDataset } from '../data/dataset.js';
import { createModel } from '../models/registry.js';
import type { AnyModel } from '../models/types.js';
import { buildInfo, getNumThreads, manualSeed, setNumThreads } from '../tensor/runtime.js';
import { adamBetas, criticSteps, effectiveLr, isAdversarial, type RunConfig } from './config.js';
import { createModelOptimizer } from './optimizers.js';
import type { TrainableOptimizer } from './objectives.js';
import { FILES, writeConfig } from './run-dir.js';
import { Trainer, type TrainerCallbacks } from './trainer.js';
import { packageRoot } from '../binding/native.js';
import { readFileSync } from 'node:fs';

export interface PreparedRun {
  config: RunConfig;
  dir: string;
  model: AnyModel;
  optimizer: TrainableOptimizer;
  trainer: Trainer;
  datasets: { train: ImageDataset; val: ImageDataset | null; test: ImageDataset };
  dispose(): void;
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

/** `fresh`: a new run (the folder must not hold one); otherwise the caller resumes it. */
export async function prepareRun(
  c: RunConfig,
  dir: string,
  fresh: boolean,
  callbacks: TrainerCallbacks = {},
): Promise<PreparedRun> {
  if (fresh && existsSync(join(dir, FILES.config))) {
    throw new Error(`${dir} already holds a run: resume it with --resume, or choose another --out`);
  }
  setNumThreads(c.threads ?? availableParallelism());
  const { train: full, test } = await loadRunData(c);
  manualSeed(c.seed);
  const [train, val] = splitValidation(c, full);
  const model = createModel(c, train.imageShape, train.classNames.length);
  const optimizer = createModelOptimizer(c, model);
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
  if (fresh) {
    writeConfig(dir, c, {
      image_shape: train.imageShape,
      train_images: train.length,
      val_images: val?.length ?? 0,
      test_images: test.length,
      class_names: train.classNames,
      parameters: model.numParameters(),
      lr: effectiveLr(c),
      ...describeObjective(c),
      threads: getNumThreads(),
      versions: runVersions(),
    });
  }
  return {
    config: c,
    dir,
    model,
    optimizer,
    trainer,
    datasets: { train, val, test },
    dispose() {
      model.dispose();
      optimizer.dispose();
      for (const d of [full, train, val, test]) d?.dispose();
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

/** What the run optimises, in words, for config.json. */
function describeObjective(c: RunConfig): Record<string, unknown> {
  if (!isAdversarial(c)) {
    return {
      beta: c.beta,
      kl_schedule: c.klSchedule,
      likelihood:
        c.likelihood === 'bernoulli' ? 'bernoulli (binary cross-entropy on logits)' : `gaussian (sigma ${c.sigma})`,
      loss: 'negative ELBO: -log p(x|z) + beta * KL(q(z|x) || N(0, I)); summed over pixels and latent dimensions, averaged over the batch (nats per image)',
    };
  }
  const wgan = c.model === 'wgan-gp';
  return {
    adam_betas: adamBetas(c),
    critic_steps: criticSteps(c),
    loss: wgan
      ? `Wasserstein: critic minimises D(G(z)) - D(x) + ${c.gpWeight} * (||grad D(x_hat)|| - 1)^2; generator minimises -D(G(z))`
      : `discriminator: binary cross-entropy of real (1) and generated (0) images; generator: ${c.ganLoss === 'minimax' ? 'minimax log(1 - D(G(z)))' : 'non-saturating -log D(G(z))'}`,
  };
}

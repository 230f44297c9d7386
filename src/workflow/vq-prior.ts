/**
 * Fitting a VQ-VAE run's Gated PixelCNN prior (van den Oord et al. 2017, sec. 3.3: p(z) learned
 * over the code grids of the training images, -log p(k) = -sum_i log p(k_i | k_<i)), as
 * `latentlab prior --run R` and the report's latent-family section both do: the run is locked,
 * its training and test images encoded to code grids, the prior trained with Adam for some
 * epochs, then the run's model.safetensors rewritten atomically with the prior's weights (its
 * checkpoint id kept, so that `train --resume` still finds its optimizer state) and samples.png
 * drawn from it.
 */
import { join } from 'node:path';
import { sampleImages } from '../inference/latent.js';
import { asVqVae, fitPriorEpoch, priorNll } from '../models/vq-vae/prior-fit.js';
import { Adam } from '../tensor/optim/adam.js';
import { loadSafetensors, saveSafetensors } from '../tensor/safetensors.js';
import { manualSeed } from '../tensor/runtime.js';
import { disposeAll } from '../tensor/scope.js';
import { withOpenRun } from '../train/open-run.js';
import { FILES } from '../train/run-dir.js';
import { acquireRunLock } from '../train/run-lock.js';
import { saveImageGrid } from '../viz/figures.js';
import { codeGridsOf } from './code-grids.js';

/** How the prior is fitted; `latentlab prior`'s defaults are in {@link PRIOR_DEFAULTS}. */
export interface PriorSettings {
  epochs: number;
  lr: number;
  /** Code grids per step. */
  batchSize: number;
  seed: number;
}

/** `latentlab prior`'s defaults: 2 epochs, Adam 1e-3, 128 grids a step, seed 0. */
export const PRIOR_DEFAULTS: PriorSettings = { epochs: 2, lr: 1e-3, batchSize: 128, seed: 0 };

/** One epoch of the fit: -log p per code grid (nats) of the training grids (the epoch's mean) and of the test grids. */
export interface PriorEpoch {
  epoch: number;
  train_nll: number;
  test_nll: number;
  /** test_nll per code of the grid (uniform codes give ln K). */
  test_nll_per_code: number;
  seconds: number;
}

/** What a fit did. */
export interface PriorFitResult {
  /** False when the run's prior was fitted already and `keepFitted` kept it. */
  fitted: boolean;
  /** Epochs the run's prior has now been trained for, in all. */
  epochs: number;
  /** The last epoch of this fit (absent when nothing was fitted). */
  last?: PriorEpoch;
  /** The files written: model.safetensors and samples.png. */
  files: string[];
}

/** What the caller hears: the encoded grids before the first epoch, then each epoch. */
export interface PriorFitEvents {
  onStart?: (info: { grids: number; grid: [number, number]; codes: number; seconds: number }) => void;
  onEpoch?: (e: PriorEpoch & { epochs: number; codes: number }) => void;
  /** Notes of the run lock (a stale lock taken over). */
  onNote?: (text: string) => void;
  /** Keep a prior that is fitted already instead of training it further. */
  keepFitted?: boolean;
}

/** Fits the PixelCNN prior of the vq-vae run in `dir` (see the file's comment); gives what it did. */
export async function fitVqPrior(dir: string, s: PriorSettings, ev: PriorFitEvents = {}): Promise<PriorFitResult> {
  const lock = acquireRunLock(dir, { command: 'prior', onNote: ev.onNote ?? (() => {}) });
  try {
    return await withOpenRun(dir, async (run) => {
      const model = asVqVae(run.model, 'the PixelCNN prior');
      if (ev.keepFitted && model.pixelcnn.trained)
        return { fitted: false, epochs: model.pixelcnn.epochs.item(), files: [] };
      const t0 = performance.now();
      const train = await codeGridsOf(run, model, 'train');
      const test = await codeGridsOf(run, model, 'test');
      const cells = model.grid[0] * model.grid[1];
      ev.onStart?.({
        grids: train.size(0),
        grid: model.grid,
        codes: model.codes,
        seconds: (performance.now() - t0) / 1000,
      });
      manualSeed(s.seed);
      const optimizer = new Adam(model.priorParameters(), { lr: s.lr });
      let last: PriorEpoch | undefined;
      try {
        for (let e = 1; e <= s.epochs; e++) {
          const t1 = performance.now();
          const trainNll = fitPriorEpoch(model.pixelcnn, optimizer, train, s.batchSize);
          const testNll = priorNll(model.pixelcnn, test);
          last = {
            epoch: e,
            train_nll: trainNll,
            test_nll: testNll,
            test_nll_per_code: testNll / cells,
            seconds: (performance.now() - t1) / 1000,
          };
          ev.onEpoch?.({ ...last, epochs: s.epochs, codes: model.codes });
        }
      } finally {
        optimizer.dispose();
        disposeAll([train, test]);
      }
      model.pixelcnn.epochs.add_(s.epochs);
      model.eval();
      const path = join(dir, FILES.model);
      const saved = loadSafetensors(path);
      disposeAll(saved.tensors);
      saveSafetensors(path, model.stateDict(), {
        ...saved.metadata,
        prior_epochs: String(model.pixelcnn.epochs.item()),
      });
      manualSeed(0);
      const images = sampleImages(model, 64);
      const png = await saveImageGrid(join(dir, 'samples.png'), images, { cols: 8, scale: 2 });
      images.dispose();
      return { fitted: true, epochs: model.pixelcnn.epochs.item(), last, files: [path, png] };
    });
  } finally {
    lock.release();
  }
}

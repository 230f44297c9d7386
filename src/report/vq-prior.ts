/**
 * VQ-VAE's PixelCNN prior for the report, fitted as `latentlab prior --run R --epochs E` fits it
 * (van den Oord et al. 2017, sec. 3.3: p(z) learned over the code grids of the training images,
 * -log p(k) = -sum_i log p(k_i | k_<i), Adam 1e-3, 128 grids a step, seed 0): the same library
 * calls (models/vq-vae/prior-fit.ts) in the same order, so the weights are those the command
 * gives. The command itself lives in the CLI, a layer above the report, so its steps are
 * repeated here. A run whose prior is already fitted is left as it is.
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
import { codeGridsOf } from '../workflow/code-grids.js';
import { saveImageGrid } from '../viz/figures.js';

/** `latentlab prior`'s defaults. */
const PRIOR = { lr: 1e-3, batchSize: 128, seed: 0 };

export interface PriorFit {
  /** Epochs the run's prior has been trained for, now. */
  epochs: number;
  /** Fitted by this call (false: it was already fitted). */
  fitted: boolean;
  /** This call's last epoch: -log p per code grid of the test images, and per code (nats). */
  testNll?: number;
  testNllPerCode?: number;
}

/** Fits the prior of the vq-vae run in `dir` for `epochs` epochs, unless it is fitted already; then rewrites its weights and samples.png. */
export async function ensureVqPrior(dir: string, epochs: number, message: (text: string) => void): Promise<PriorFit> {
  const lock = acquireRunLock(dir, { command: 'prior', onNote: message });
  try {
    return await withOpenRun(dir, async (run) => {
      const model = asVqVae(run.model, 'the PixelCNN prior');
      if (model.pixelcnn.trained) {
        message(
          `${dir}: its PixelCNN prior is fitted already (${model.pixelcnn.epochs.item()} epochs of 'latentlab prior'), kept`,
        );
        return { epochs: model.pixelcnn.epochs.item(), fitted: false };
      }
      const train = await codeGridsOf(run, model, 'train');
      const test = await codeGridsOf(run, model, 'test');
      const cells = model.grid[0] * model.grid[1];
      manualSeed(PRIOR.seed);
      const optimizer = new Adam(model.priorParameters(), { lr: PRIOR.lr });
      let testNll = NaN;
      try {
        for (let e = 1; e <= epochs; e++) {
          const trainNll = fitPriorEpoch(model.pixelcnn, optimizer, train, PRIOR.batchSize);
          testNll = priorNll(model.pixelcnn, test);
          message(
            `PixelCNN prior epoch ${e}/${epochs}: train ${trainNll.toFixed(2)}, test ${testNll.toFixed(2)} nats per code grid`,
          );
        }
      } finally {
        optimizer.dispose();
        disposeAll([train, test]);
      }
      model.pixelcnn.epochs.add_(epochs);
      model.eval();
      // As the command: the checkpoint id kept, so that `train --resume` still finds its optimizer state.
      const path = join(dir, FILES.model);
      const saved = loadSafetensors(path);
      disposeAll(saved.tensors);
      saveSafetensors(path, model.stateDict(), {
        ...saved.metadata,
        prior_epochs: String(model.pixelcnn.epochs.item()),
      });
      manualSeed(0);
      const images = sampleImages(model, 64);
      await saveImageGrid(join(dir, 'samples.png'), images, { cols: 8, scale: 2 });
      images.dispose();
      return { epochs: model.pixelcnn.epochs.item(), fitted: true, testNll, testNllPerCode: testNll / cells };
    });
  } finally {
    lock.release();
  }
}

/**
 * The codes a sampler is fitted to: the encoder's means (q(z|x)'s means for VAEs, the codes
 * themselves for autoencoders) of the run's training images, its validation split left out.
 */
import type { ImageDataset } from '../../data/dataset.js';
import { loadDataset } from '../../data/load.js';
import { need } from '../../models/capabilities.js';
import { arange, randperm } from '../../tensor/create.js';
import { cat } from '../../tensor/functional.js';
import { withSeed } from '../../tensor/runtime.js';
import { tidy } from '../../tensor/scope.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { OpenRun } from '../../train/open-run.js';
import { runDatasetSpec, splitValidation } from '../../train/prepare.js';
import { encodeMeans } from '../latent.js';

/** Training images encoded at most (a seeded random subset beyond it), to keep fitting to seconds. */
export const MAX_FIT_CODES = 20000;

/**
 * The model's flat code must be the decoder's input: an encoder and a decoder of the same
 * size. Returns that size; otherwise an error naming what `what` needs and the model lacks.
 */
export function fittableLatentDim(run: OpenRun, what: string): number {
  const enc = need(run.model, 'encoder', what);
  const dec = need(run.model, 'decoder', what);
  if (enc.latentDim !== dec.latentDim)
    throw new Error(
      `${what} needs a flat code that the decoder takes; ${run.model.modelName}'s encoder gives ${enc.latentDim} numbers and its decoder takes ${dec.latentDim}`,
    );
  return enc.latentDim;
}

/** Means [B, D] of the images of `ds` at `index` [B] (int64), with their labels for a conditional model. */
function encodeAt(run: OpenRun, ds: ImageDataset, index: Tensor): Tensor {
  return tidy(() => {
    const x = ds.images.indexSelect(0, index).float().div(255);
    return encodeMeans(run.model, x, run.model.numClasses ? ds.labels.indexSelect(0, index) : undefined);
  });
}

/**
 * Encoder means [N, D] (float32) of the run's training images (without its validation split):
 * all of them, or a random subset of `max` drawn with `seed` when there are more.
 */
export async function trainingCodes(run: OpenRun, max = MAX_FIT_CODES, seed = 0): Promise<Tensor> {
  const full = await loadDataset(runDatasetSpec(run.config, 'train'));
  const [train, val] = splitValidation(run.config, full);
  try {
    const n = train.length;
    return tidy(() => {
      const order = n > max ? withSeed(seed, () => randperm(n).slice(0, 0, max)) : arange(n);
      const parts: Tensor[] = [];
      for (let i = 0; i < order.size(0); i += 1000)
        parts.push(encodeAt(run, train, order.slice(0, i, Math.min(order.size(0), i + 1000))));
      return cat(parts, 0);
    });
  } finally {
    for (const d of new Set([full, train, val])) d?.dispose();
  }
}

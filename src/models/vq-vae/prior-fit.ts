/**
 * Fitting VQ-VAE's PixelCNN prior (van den Oord et al. 2017, sec. 3.3: "we fit an autoregressive
 * distribution over z, p(z), so that we can generate x via ancestral sampling"): the trained
 * autoencoder is frozen, its training images become code grids once, and the PixelCNN learns
 * them by maximum likelihood, -log p(k) = -sum_i log p(k_i | k_<i) per grid, with Adam.
 */
import { noGrad } from '../../tensor/autograd.js';
import { randperm } from '../../tensor/create.js';
import { cat } from '../../tensor/functional.js';
import type { Optimizer } from '../../tensor/optim/optimizer.js';
import { keep, tidy } from '../../tensor/scope.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Model } from '../model.js';
import type { GatedPixelCnn } from '../pixelcnn/pixelcnn.js';
import { VqVae } from './model.js';

/** The model as a VQ-VAE, or an error naming what it is instead. */
export function asVqVae(model: Model, what: string): VqVae {
  if (!(model instanceof VqVae))
    throw new Error(
      `${what} needs a run of a model with discrete codes and a PixelCNN prior (vq-vae); this run is ${model.modelName}`,
    );
  return model;
}

/** Code grids [N, h, w] (int64, kept: the caller disposes) of image batches [B, C, H, W] in [0, 1], in eval mode. */
export function encodeCodeGrids(model: VqVae, batches: Iterable<() => Tensor>): Tensor {
  model.eval();
  const parts: Tensor[] = [];
  try {
    for (const load of batches) parts.push(keep(noGrad(() => tidy(() => model.codesOf(load())))));
    if (!parts.length) throw new Error('no images to encode');
    return keep(tidy(() => cat(parts, 0)));
  } finally {
    for (const p of parts) p.dispose();
  }
}

/** One epoch of maximum likelihood over the grids [N, h, w] in a random order; the mean -log p per grid (nats). */
export function fitPriorEpoch(prior: GatedPixelCnn, optimizer: Optimizer, grids: Tensor, batchSize: number): number {
  prior.train();
  const n = grids.size(0);
  const order = keep(randperm(n));
  let total = 0;
  try {
    for (let at = 0; at < n; at += batchSize) {
      const size = Math.min(batchSize, n - at);
      total += tidy(() => {
        const nll = prior.nll(grids.indexSelect(0, order.narrow(0, at, size))).sum();
        optimizer.zeroGrad();
        nll.div(size).backward();
        optimizer.step();
        return nll.item();
      });
    }
  } finally {
    order.dispose();
  }
  return total / n;
}

/** The mean -log p per grid (nats) of grids [N, h, w], without gradients. */
export function priorNll(prior: GatedPixelCnn, grids: Tensor, batchSize = 1000): number {
  prior.eval();
  const n = grids.size(0);
  let total = 0;
  for (let at = 0; at < n; at += batchSize)
    total += noGrad(() =>
      tidy(() =>
        prior
          .nll(grids.narrow(0, at, Math.min(batchSize, n - at)))
          .sum()
          .item(),
      ),
    );
  return total / n;
}

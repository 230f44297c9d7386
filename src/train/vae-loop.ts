/**
 * The VAE training loop kept small: one function per step and one per epoch, evaluation
 * separate (the shape pythae's trainer should have had). Losses are nats per image.
 */
import type { BatchLoader } from '../data/loader.js';
import type { VaeOutput } from '../models/vae-mlp/model.js';
import { noGrad } from '../tensor/autograd.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Optimizer } from '../tensor/optim/optimizer.js';

export interface VaeLike {
  forward(x: Tensor): VaeOutput;
  train(on?: boolean): unknown;
}

export interface EpochStats {
  loss: number;
  recon: number;
  kl: number;
  images: number;
  seconds: number;
}

/** One optimisation step on a batch; returns the batch's summed loss terms. */
export function trainStep(model: VaeLike, opt: Optimizer, x: Tensor): { loss: number; recon: number; kl: number } {
  return tidy(() => {
    const out = model.forward(x);
    opt.zeroGrad();
    out.loss.div(x.size(0)).backward();
    opt.step();
    return { loss: out.loss.item(), recon: out.reconLoss.item(), kl: out.kl.item() };
  });
}

/** One pass over the loader; `onBatch` sees running per-image averages (for progress bars). */
export function trainEpoch(model: VaeLike, opt: Optimizer, loader: BatchLoader, onBatch?: (done: number, running: EpochStats) => void): EpochStats {
  model.train(true);
  const t0 = performance.now();
  const s = { loss: 0, recon: 0, kl: 0, images: 0, seconds: 0 };
  for (const batch of loader.epoch()) {
    const r = tidy(() => trainStep(model, opt, batch.load().x));
    s.loss += r.loss;
    s.recon += r.recon;
    s.kl += r.kl;
    s.images += batch.size;
    onBatch?.(batch.index + 1, perImage(s, t0));
  }
  return perImage(s, t0);
}

/** Average loss terms over a loader, without gradients and in eval mode. */
export function evaluate(model: VaeLike, loader: BatchLoader): EpochStats {
  model.train(false);
  const t0 = performance.now();
  const s = { loss: 0, recon: 0, kl: 0, images: 0, seconds: 0 };
  noGrad(() => {
    for (const batch of loader.epoch()) {
      tidy(() => {
        const out = model.forward(batch.load().x);
        s.loss += out.loss.item();
        s.recon += out.reconLoss.item();
        s.kl += out.kl.item();
        s.images += batch.size;
      });
    }
  });
  return perImage(s, t0);
}

function perImage(s: EpochStats, t0: number): EpochStats {
  const n = Math.max(1, s.images);
  return { loss: s.loss / n, recon: s.recon / n, kl: s.kl / n, images: s.images, seconds: (performance.now() - t0) / 1000 };
}

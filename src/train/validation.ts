/**
 * A validation pass: a model's validationStep over a loader, without gradients, in eval mode.
 * Dynamic binarization and any sampling the step does use a fixed seed (the caller's RNG state
 * is restored), so numbers compare across epochs and runs.
 */
import type { BatchLoader } from '../data/loader.js';
import type { Model, Sums } from '../models/model.js';
import { noGrad } from '../tensor/autograd.js';
import { withSeed } from '../tensor/runtime.js';
import { tidy } from '../tensor/scope.js';

/** Seed of the fixed binarization and sampling noise used for evaluation, apart from training's. */
export const EVAL_SEED = 20240611;

/** Adds a batch's sums into running sums. */
export function accumulate(into: Sums, batch: Sums): void {
  for (const [k, v] of Object.entries(batch)) into[k] = (into[k] ?? 0) + v;
}

/** Per-image averages of the model's validation metrics over a loader, or null if it declares no validation step. */
export function evaluate(model: Model, loader: BatchLoader): (Sums & { images: number; seconds: number }) | null {
  if (!model.validationStep) return null;
  const wasTraining = model.training;
  model.eval();
  const t0 = performance.now();
  const sums: Sums = {};
  let images = 0;
  try {
    withSeed(EVAL_SEED, () => {
      for (const b of loader.epoch()) {
        const batch = noGrad(() =>
          tidy(() => {
            const { x, y } = b.load();
            return model.validationStep!({ x, y, t: 0, iteration: 0 });
          }),
        );
        accumulate(sums, batch);
        images += b.size;
      }
    });
  } finally {
    model.train(wasTraining);
  }
  const perImage = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / Math.max(1, images)]));
  return { ...perImage, images, seconds: (performance.now() - t0) / 1000 };
}

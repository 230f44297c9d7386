/**
 * `latentlab eval`: a run's test numbers: negative ELBO (nats per image and bits per
 * dimension), its reconstruction and KL terms, active units, the total correlation of the
 * codes, and the importance-weighted NLL with k samples per image. Data are binarized as the run was trained; a dynamic binarization
 * is drawn once with a fixed seed, as is the sampling noise, so the numbers are reproducible.
 */
import { snakeCase } from '../util/names.js';
import { join } from 'node:path';
import { BatchLoader } from '../data/loader.js';
import { withSeed } from '../tensor/runtime.js';
import { tidy } from '../tensor/scope.js';
import { cat } from '../tensor/functional.js';
import type { OpenRun } from '../train/open-run.js';
import { EVAL_SEED, evaluate } from '../train/validation.js';
import { writeFileAtomic } from '../util/fs.js';
import { has, need } from '../models/capabilities.js';
import type { Tensor } from '../tensor/tensor.js';
import { encodeMeans } from '../inference/latent.js';
import { activeUnits, importanceWeightedNll } from './likelihood.js';
import { totalCorrelation } from './total-correlation.js';

export interface EvalOptions {
  /** Importance samples per image (0 skips the importance-weighted estimate). */
  k: number;
  /** Evaluate only the first n test images. */
  limit?: number;
  /** Images per importance-sampling batch. */
  batch?: number;
  /** Hears the importance-sampling progress: test images done of total. */
  onProgress?: (done: number, total: number) => void;
}

export interface EvalResult {
  run: string;
  model: string;
  dataset: string;
  test_images: number;
  binarize: string;
  test_neg_elbo: number;
  test_recon: number;
  test_kl: number;
  bits_per_dim: number;
  iw_nll: number | null;
  iw_bits_per_dim: number | null;
  k: number;
  active_units: number | null;
  /** Total correlation of the codes, nats per image (total-correlation.ts); null without a posterior. */
  tc: number | null;
  latent: number;
  seconds: number;
  /** The model's other validation metrics (e.g. iwae's test_iw_bound). */
  [metric: `test_${string}`]: number;
}

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

export async function evaluateRun(run: OpenRun, o: EvalOptions): Promise<EvalResult> {
  const t0 = performance.now();
  const full = await run.testSet();
  const ds = o.limit ? full.take(o.limit) : full;
  const model = run.model;
  const enc = need(model, 'encoder', 'eval (the ELBO and likelihood)');
  const variational = has(model, 'posterior');
  const cond = (y: Tensor): Tensor | undefined => (model.numClasses ? y : undefined);
  const dims = ds.dim;
  const loader = (batchSize: number): BatchLoader =>
    new BatchLoader(ds, { batchSize, shuffle: false, binarize: run.config.binarize });
  const elbo = evaluate(model, loader(1000));
  if (!elbo || elbo.negElbo === undefined || elbo.recon === undefined || elbo.kl === undefined)
    throw new Error(
      `eval needs the negative ELBO and its terms from ${model.modelName}'s validation step, which reports none`,
    );
  const { negElbo, recon, kl, images: _i, seconds: _s, ...others } = elbo;
  // Binarized with the evaluation's seed, as the ELBO pass is: the same run gives the same active units
  // whatever ran before in the process (a reproduce that trains, or one that reuses the run).
  const mu = withSeed(EVAL_SEED, () =>
    tidy(() =>
      cat(
        [...loader(1000).epoch()].map((b) => {
          const { x, y } = b.load();
          return encodeMeans(model, x, cond(y));
        }),
      ),
    ),
  );
  const active = variational ? activeUnits(mu).count : null;
  mu.dispose();
  const tc = variational ? totalCorrelation(model, loader(1000)).tc : null;
  let iw: number | null = null;
  if (variational && o.k > 0) {
    let sum = 0;
    const batches = loader(o.batch ?? 100);
    withSeed(EVAL_SEED, () => {
      for (const b of batches.epoch()) {
        const r = tidy(() => {
          const { x, y } = b.load();
          return importanceWeightedNll(model, x, o.k, 4096, cond(y));
        });
        sum += r.iwNll.reduce((a, v) => a + v, 0);
        o.onProgress?.(Math.min(ds.length, (b.index + 1) * batches.options.batchSize), ds.length);
      }
    });
    iw = sum / ds.length;
  }
  const perDim = (nats: number): number => nats / (dims * Math.LN2);
  const result: EvalResult = {
    run: run.dir,
    model: run.config.model,
    dataset: ds.name,
    test_images: ds.length,
    binarize: run.config.binarize,
    test_neg_elbo: r4(negElbo),
    test_recon: r4(recon),
    test_kl: r4(kl),
    ...Object.fromEntries(Object.entries(others).map(([k, v]) => [`test_${snakeCase(k)}`, r4(v)])),
    bits_per_dim: r4(perDim(negElbo)),
    iw_nll: iw === null ? null : r4(iw),
    iw_bits_per_dim: iw === null ? null : r4(perDim(iw)),
    k: iw === null ? 0 : o.k,
    active_units: active,
    tc: tc === null ? null : r4(tc),
    latent: enc.latentDim,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
  writeFileAtomic(join(run.dir, 'eval.json'), JSON.stringify(result, null, 2) + '\n');
  return result;
}

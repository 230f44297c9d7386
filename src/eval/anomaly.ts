/**
 * Anomaly detection with a generative model trained on normal images only (the source notes
 * train on sevens and flag the other digits). Each test image gets three scores, higher
 * meaning more anomalous: the reconstruction error (-log p(x|z) at the code's mean), the
 * negative ELBO (averaged over several samples) and the importance-weighted NLL. Each score is
 * judged by AUROC and average precision; a decision threshold is fitted on held-out normal
 * images (their 95th percentile) and its precision and recall on the test set reported.
 *
 * Likelihood and reconstruction scores favour simple images whatever the model learned: a
 * model of eights reconstructs a one with little error because a one has little ink. The
 * `calibrated` score corrects for this: the reconstruction error minus what a line fitted on
 * held-out normal images predicts from the image's complexity (its compressed length, as
 * Serrà et al. 2020 measure it; they subtract it with weight 1, which fails here when the
 * normal class is itself simple, as ones are). Chosen on validation data: see
 * bench/anomaly-select.ts and docs/BENCHMARKS.md.
 */
import { deflateRawSync } from 'node:zlib';
import type { ImageDataset } from '../data/dataset.js';
import { BatchLoader } from '../data/loader.js';
import { has, need } from '../models/capabilities.js';
import type { Model } from '../models/model.js';
import { noGrad } from '../tensor/autograd.js';
import { randnLike } from '../tensor/create.js';
import { withSeed } from '../tensor/runtime.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { gaussianKlPerImage } from '../models/common/losses.js';
import { importanceWeightedNll } from './likelihood.js';
import { auroc, averagePrecision, precisionRecall, quantile, rocCurve, type RocPoint } from './ranking.js';

/** The anomaly scores, in the order reports list them. */
export const SCORE_NAMES = ['calibrated', 'reconstruction', 'neg_elbo', 'iw_nll'] as const;
/** One anomaly score's name. */
export type ScoreName = (typeof SCORE_NAMES)[number];
/** Each score's values, one per image (nats for all but calibrated); absent where the model cannot give it. */
export type Scores = Partial<Record<ScoreName, Float64Array>>;

/** How scoreDataset scores images. */
export interface ScoreOptions {
  /** Importance samples per image for iw_nll (0 skips it). */
  k: number;
  /** Samples averaged for the negative ELBO. */
  elboSamples?: number;
  binarize: 'none' | 'static' | 'dynamic';
  batchSize?: number;
}

const SCORE_SEED = 4242;

/** Anomaly scores of every image of a dataset (fixed seeds: the same images get the same scores). */
export function scoreDataset(model: Model, ds: ImageDataset, o: ScoreOptions): Scores {
  const n = ds.length;
  const out: Scores = { reconstruction: new Float64Array(n) };
  need(model, 'encoder', 'anomaly scores');
  need(model, 'likelihood', 'anomaly scores');
  const variational = has(model, 'posterior');
  if (variational) out.neg_elbo = new Float64Array(n);
  if (variational && o.k > 0) out.iw_nll = new Float64Array(n);
  const loader = new BatchLoader(ds, { batchSize: o.batchSize ?? 200, shuffle: false, binarize: o.binarize });
  model.eval();
  withSeed(SCORE_SEED, () => {
    for (const b of loader.epoch()) {
      const at = b.index * loader.options.batchSize;
      tidy(() => {
        const { x } = b.load();
        const s = scoreBatch(model, x, o);
        out.reconstruction!.set(s.reconstruction, at);
        if (s.neg_elbo) out.neg_elbo!.set(s.neg_elbo, at);
        if (out.iw_nll) out.iw_nll.set(importanceWeightedNll(model, x, o.k).iwNll, at);
      });
    }
  });
  return out;
}

function scoreBatch(model: Model, x: Tensor, o: ScoreOptions): { reconstruction: number[]; neg_elbo?: number[] } {
  const like = need(model, 'likelihood', 'anomaly scores');
  const posterior = model.capabilities.posterior;
  return noGrad(() => {
    const { mu, logvar } = posterior
      ? posterior.posterior(x)
      : { ...need(model, 'encoder', 'anomaly scores').encode(x) };
    const reconstruction = like.reconNll(mu, x).toArray();
    if (!logvar) return { reconstruction };
    const s = o.elboSamples ?? 10;
    const prior = model.capabilities.prior;
    // KL(q || N(0, I)) in closed form; against another prior (VampPrior) by Monte Carlo on the same
    // samples: log q(z|x) - log p(z), with log q(z|x) = -0.5 (|eps|^2 + sum(logvar) + D log 2 pi).
    const d = mu.size(1);
    let kl = prior && !prior.standard ? null : gaussianKlPerImage(mu, logvar);
    let recon: Tensor | null = null;
    for (let i = 0; i < s; i++) {
      const eps = randnLike(mu);
      const z = mu.add(logvar.mul(0.5).exp().mul(eps));
      const r = like.reconNll(z, x);
      recon = recon ? recon.add(r) : r;
      if (prior && !prior.standard) {
        const logq = eps
          .square()
          .sum(1)
          .add(logvar.sum(1))
          .add(d * Math.log(2 * Math.PI))
          .mul(-0.5);
        const term = logq.sub(prior.logDensity(z)).div(s);
        kl = kl ? kl.add(term) : term;
      }
    }
    return { reconstruction, neg_elbo: recon!.div(s).add(kl!).toArray() };
  });
}

/**
 * Each image's complexity in bits: the length of its 8-bit pixels compressed by DEFLATE (the
 * compressor inside PNG). Likelihood scores favour simple images whatever the model was
 * trained on; subtracting this (Serrà et al. 2020) corrects for it.
 */
export function complexityBits(ds: ImageDataset): Float64Array {
  const pixels = ds.images.contiguous().toTypedArray() as Uint8Array;
  const size = ds.dim;
  const out = new Float64Array(ds.length);
  for (let i = 0; i < ds.length; i++)
    out[i] = 8 * deflateRawSync(pixels.subarray(i * size, (i + 1) * size), { level: 9 }).length;
  return out;
}

/** score ~ intercept + slope * complexity bits, fitted on normal images. */
export interface ComplexityLine {
  intercept: number;
  slope: number;
}

/** Least-squares line of `scores` against `bits`. */
export function fitComplexityLine(bits: Float64Array, scores: Float64Array): ComplexityLine {
  const n = bits.length;
  if (n < 2) throw new RangeError('fitting the complexity line needs at least 2 normal images');
  const mx = bits.reduce((a, v) => a + v, 0) / n;
  const my = scores.reduce((a, v) => a + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (bits[i]! - mx) * (scores[i]! - my);
    sxx += (bits[i]! - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { intercept: my - slope * mx, slope };
}

/** The calibrated score: reconstruction error minus the line's prediction from the image's complexity. */
export function calibratedScores(reconstruction: Float64Array, bits: Float64Array, line: ComplexityLine): Float64Array {
  return reconstruction.map((v, i) => v - line.intercept - line.slope * bits[i]!);
}

/** Adds the calibrated score to test and held-out scores, the line fitted on the held-out normal images. */
export function addCalibrated(
  test: Scores,
  testBits: Float64Array,
  held: Scores,
  heldBits: Float64Array,
): ComplexityLine {
  const line = fitComplexityLine(heldBits, held.reconstruction!);
  held.calibrated = calibratedScores(held.reconstruction!, heldBits, line);
  test.calibrated = calibratedScores(test.reconstruction!, testBits, line);
  return line;
}

/** How well one score separates anomalous test images from normal ones. */
export interface ScoreReport {
  score: ScoreName;
  /** Area under the ROC curve. */
  auroc: number;
  average_precision: number;
  /** The 95th percentile of held-out normal images' scores. */
  threshold: number;
  precision: number;
  recall: number;
  /** Test images above the threshold. */
  flagged: number;
  roc: RocPoint[];
}

/** AUROC, AP and the thresholded precision/recall of each score; `anomalous[i]` marks test image i. */
export function judgeScores(
  test: Scores,
  anomalous: boolean[],
  heldOutNormal: Scores,
  percentile = 0.95,
): ScoreReport[] {
  return SCORE_NAMES.filter((name) => test[name] && heldOutNormal[name]).map((name) => {
    const scores = test[name]!;
    const threshold = quantile(heldOutNormal[name]!, percentile);
    const pr = precisionRecall(scores, anomalous, threshold);
    return {
      score: name,
      auroc: auroc(scores, anomalous),
      average_precision: averagePrecision(scores, anomalous),
      threshold,
      precision: pr.precision,
      recall: pr.recall,
      flagged: pr.flagged,
      roc: rocCurve(scores, anomalous),
    };
  });
}

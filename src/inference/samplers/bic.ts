/**
 * Choosing the number of mixture components by the Bayesian information criterion (Schwarz
 * 1978): BIC = -2 log L + p log N, where L is the likelihood of the N points at the fitted
 * parameters and p the number of free parameters; the smallest BIC wins.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { disposeAll } from '../../tensor/scope.js';
import { fitGmm, type EmOptions, type GmmFit } from './gmm.js';

/** The candidates tried by default. */
export const DEFAULT_COMPONENTS = [1, 5, 10, 20] as const;

/** Free parameters of a K-component full-covariance mixture in D dimensions: (K - 1) + K D + K D (D + 1) / 2. */
export function gmmParameterCount(k: number, d: number): number {
  return k - 1 + k * d + (k * d * (d + 1)) / 2;
}

/** BIC = -2 log L + p log N (Schwarz 1978), from the mean log-likelihood per point. */
export function bic(meanLogLikelihood: number, parameters: number, n: number): number {
  return -2 * meanLogLikelihood * n + parameters * Math.log(n);
}

/** The candidates worth trying on N points in D dimensions: K with at least (D + 1) K points (K = 1 always). */
export function eligibleComponents(candidates: readonly number[], n: number, d: number): number[] {
  return candidates.filter((k) => k === 1 || n >= (d + 1) * k);
}

/** What chooseByBic chose, and the BIC of every candidate. */
export interface BicChoice {
  /** The chosen number of components and its fit. */
  k: number;
  fit: GmmFit;
  /** Every candidate tried, in order. */
  scores: { k: number; bic: number; meanLogLikelihood: number }[];
}

/**
 * Fits a mixture for each eligible candidate K (see eligibleComponents) and keeps the one of
 * lowest BIC; ties go to the smaller K.
 */
export function chooseByBic(
  points: Tensor,
  candidates: readonly number[] = DEFAULT_COMPONENTS,
  o: EmOptions = {},
): BicChoice {
  const [n, d] = [points.size(0), points.size(1)];
  const tried = eligibleComponents(candidates, n, d);
  if (!tried.length) throw new RangeError(`no candidate number of components among ${candidates.join(', ')}`);
  const scores: BicChoice['scores'] = [];
  let best: { k: number; fit: GmmFit; bic: number } | null = null;
  for (const k of tried) {
    const fit = fitGmm(points, k, o);
    const score = bic(fit.meanLogLikelihood, gmmParameterCount(k, d), n);
    scores.push({ k, bic: score, meanLogLikelihood: fit.meanLogLikelihood });
    if (best && score >= best.bic) {
      disposeAll(fit.params);
      continue;
    }
    if (best) disposeAll(best.fit.params);
    best = { k, fit, bic: score };
  }
  return { k: best!.k, fit: best!.fit, scores };
}

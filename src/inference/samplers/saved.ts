/**
 * A fitted sampler in its run folder: sampler-gaussian.safetensors or sampler-gmm.safetensors,
 * holding the mixture's weights [K], means [K, D] and covariances [K, D, D] (float64), with
 * how it was fitted in the metadata. Written atomically; a file older than the run's weights
 * (model.safetensors) is stale, fitted to codes the model no longer gives.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { disposeAll } from '../../tensor/scope.js';
import { loadSafetensors, saveSafetensors } from '../../tensor/safetensors.js';
import { FILES } from '../../train/run-dir.js';
import { MixtureSampler, type FittedKind } from './mixture.js';

/** How a sampler was fitted, saved beside its parameters. */
export interface FitInfo {
  /** 'bic' (chosen among candidates) or 'given' (--components). */
  chosen_by: 'bic' | 'given';
  /** Training codes the density was fitted to. */
  codes: number;
  /** Mean log-likelihood per training code (nats). */
  mean_log_likelihood: number;
  /** EM iterations and whether the tolerance was met (1 and true for the Gaussian). */
  iterations: number;
  converged: boolean;
  /** The BIC of each candidate tried (chosen_by 'bic'). */
  bic?: { k: number; bic: number }[];
}

export function samplerPath(dir: string, kind: FittedKind): string {
  return join(dir, kind === 'gmm' ? FILES.samplerGmm : FILES.samplerGaussian);
}

/** Whether the run holds a saved sampler of this kind at least as new as its weights. */
export function hasFreshSampler(dir: string, kind: FittedKind): boolean {
  const path = samplerPath(dir, kind);
  const weights = join(dir, FILES.model);
  return existsSync(path) && (!existsSync(weights) || statSync(path).mtimeMs >= statSync(weights).mtimeMs);
}

/** The fitted kinds whose saved sampler is fresh. */
export function freshSamplers(dir: string): FittedKind[] {
  return (['gaussian', 'gmm'] as const).filter((k) => hasFreshSampler(dir, k));
}

/** Saves a fitted sampler into the run folder (sampler-<kind>.safetensors, with how it was fitted); returns the path. */
export function saveSampler(dir: string, sampler: MixtureSampler, info: FitInfo): string {
  const path = samplerPath(dir, sampler.kind);
  const { weights, means, covariances } = sampler.params;
  saveSafetensors(
    path,
    { weights, means, covariances },
    {
      format: 'pt',
      latentlab_sampler: sampler.kind,
      components: String(sampler.components),
      fit: JSON.stringify(info),
    },
  );
  return path;
}

/** The saved sampler of this kind and how it was fitted, or null when the run has none. */
export function loadSampler(dir: string, kind: FittedKind): { sampler: MixtureSampler; info: FitInfo } | null {
  const path = samplerPath(dir, kind);
  if (!existsSync(path)) return null;
  const { tensors, metadata } = loadSafetensors(path);
  const { weights, means, covariances, ...rest } = tensors;
  disposeAll(rest);
  if (!weights || !means || !covariances || metadata.latentlab_sampler !== kind) {
    disposeAll([weights, means, covariances]);
    throw new Error(`${path} is not a saved ${kind} sampler (delete it to fit again)`);
  }
  try {
    return {
      sampler: new MixtureSampler(kind, { weights, means, covariances }),
      info: JSON.parse(metadata.fit ?? '{}') as FitInfo,
    };
  } catch (err) {
    disposeAll([weights, means, covariances]);
    throw new Error(`${path}: ${(err as Error).message} (delete it to fit again)`);
  }
}

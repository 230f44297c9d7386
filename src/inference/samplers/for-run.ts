/**
 * The prior a command samples codes from: the model's own (`prior`), or a density fitted after
 * training to the encoder's means of the training images (`gaussian`, `gmm`; Ghosh et al. 2020,
 * "From variational to deterministic autoencoders", section 4: ex-post density estimation).
 * A fitted sampler is saved in the run folder and reused until the run's weights are newer;
 * `--components` other than the saved one fits again.
 */
import { need, type Prior } from '../../models/capabilities.js';
import type { OpenRun } from '../../train/open-run.js';
import { disposeAll, tidy } from '../../tensor/scope.js';
import { chooseByBic, DEFAULT_COMPONENTS } from './bic.js';
import { fittableLatentDim, trainingCodes } from './codes.js';
import { fitGaussian } from './gaussian.js';
import { fitGmm } from './gmm.js';
import { MixtureSampler, SAMPLER_KINDS, type FittedKind, type SamplerKind } from './mixture.js';
import { hasFreshSampler, loadSampler, saveSampler, type FitInfo } from './saved.js';

/** The sampler a run samples with: the model's prior, or a fitted Gaussian or mixture. */
export interface ResolvedSampler {
  kind: SamplerKind;
  /** Draws codes as the sampler gives them. */
  prior: Prior;
  /** Components of a fitted sampler (absent for the model's prior). */
  components?: number;
  /** One line on where the sampler came from (fitted now, or loaded from which file). */
  note: string;
  /** Frees a fitted sampler (the model's prior belongs to the model). */
  dispose(): void;
}

/** Checks a --sampler name and --components against each other. */
export function checkSamplerChoice(kind: string, components?: number): SamplerKind {
  if (!(SAMPLER_KINDS as readonly string[]).includes(kind))
    throw new Error(`unknown sampler '${kind}': choose one of ${SAMPLER_KINDS.join(', ')}`);
  if (components !== undefined && kind !== 'gmm')
    throw new Error(`--components sets the mixture's size: it goes with --sampler gmm, not ${kind}`);
  if (components !== undefined && (!Number.isInteger(components) || components < 1))
    throw new Error(`--components must be a positive integer, got ${components}`);
  return kind as SamplerKind;
}

/** The prior to sample from: the model's own, the run's saved fitted sampler, or one fitted (and saved) now. */
export async function samplerForRun(
  run: OpenRun,
  kindName: string,
  o: { components?: number; onNote?: (text: string) => void } = {},
): Promise<ResolvedSampler> {
  const kind = checkSamplerChoice(kindName, o.components);
  if (kind === 'prior')
    return { kind, prior: need(run.model, 'prior', 'sampling'), note: "the model's prior", dispose: () => undefined };
  const d = fittableLatentDim(run, `the ${kind} sampler (a density fitted to the training codes)`);
  if (hasFreshSampler(run.dir, kind)) {
    const saved = loadSampler(run.dir, kind)!;
    if (saved.sampler.latentDim === d && (o.components === undefined || o.components === saved.sampler.components))
      return resolved(saved.sampler, `loaded from the run folder (fitted to ${saved.info.codes} training codes)`);
    saved.sampler.dispose();
  }
  o.onNote?.(`fitting the ${kind} sampler to the encoder's means of the training images...`);
  const { sampler, info } = await fitSampler(run, kind, o.components);
  const path = saveSampler(run.dir, sampler, info);
  const how =
    info.chosen_by === 'bic'
      ? `, K chosen by BIC (${info.bic!.map((b) => `K=${b.k}: ${Math.round(b.bic)}`).join(', ')})`
      : '';
  return resolved(sampler, `fitted to ${info.codes} training codes${how}; saved as ${path}`);
}

function resolved(sampler: MixtureSampler, where: string): ResolvedSampler {
  const k = sampler.components;
  return {
    kind: sampler.kind,
    prior: sampler,
    components: k,
    note: `${sampler.kind === 'gmm' ? `Gaussian mixture, ${k} component${k === 1 ? '' : 's'}` : 'full-covariance Gaussian'}, ${where}`,
    dispose: () => sampler.dispose(),
  };
}

/** Fits a sampler of `kind` to the run's training codes (the mixture's K given, or chosen by BIC). */
export async function fitSampler(
  run: OpenRun,
  kind: FittedKind,
  components?: number,
): Promise<{ sampler: MixtureSampler; info: FitInfo }> {
  const codes = await trainingCodes(run);
  try {
    const n = codes.size(0);
    if (kind === 'gaussian') {
      const params = fitGaussian(codes);
      const sampler = new MixtureSampler('gaussian', params);
      const meanLogLikelihood = tidy(() => sampler.logDensity(codes).mean().item());
      return {
        sampler,
        info: { chosen_by: 'given', codes: n, mean_log_likelihood: meanLogLikelihood, iterations: 1, converged: true },
      };
    }
    if (components !== undefined) {
      if (components > n) throw new Error(`--components ${components} is more than the ${n} training codes`);
      const fit = fitGmm(codes, components);
      return {
        sampler: new MixtureSampler('gmm', fit.params),
        info: {
          chosen_by: 'given',
          codes: n,
          mean_log_likelihood: fit.meanLogLikelihood,
          iterations: fit.iterations,
          converged: fit.converged,
        },
      };
    }
    const choice = chooseByBic(codes, DEFAULT_COMPONENTS);
    return {
      sampler: new MixtureSampler('gmm', choice.fit.params),
      info: {
        chosen_by: 'bic',
        codes: n,
        mean_log_likelihood: choice.fit.meanLogLikelihood,
        iterations: choice.fit.iterations,
        converged: choice.fit.converged,
        bic: choice.scores.map((s) => ({ k: s.k, bic: Math.round(s.bic * 1000) / 1000 })),
      },
    };
  } finally {
    disposeAll(codes);
  }
}

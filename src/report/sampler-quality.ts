/**
 * Sample quality and sample grids of a run under each of its samplers, for the report: the
 * model's own prior, or a density fitted to its training codes (`gaussian`, `gmm`; Ghosh et
 * al. 2020, section 4), the numbers and pictures of `latentlab quality --sampler S` and
 * `latentlab sample --sampler S` (FID-style distance and Inception-style score on the
 * classifier's features, as eval/sample-quality.ts computes them). A sample-quality-<S>.json
 * newer than the model and made with the same settings is reused; a fitted sampler is reused
 * from the run folder as the commands do.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  judgeSamples,
  qualityJudge,
  sampleQualityFile,
  type QualityJudge,
  type SampleQuality,
} from '../eval/sample-quality.js';
import { sampleImages } from '../inference/latent.js';
import { samplerForRun } from '../inference/samplers/for-run.js';
import type { SamplerKind } from '../inference/samplers/mixture.js';
import type { Prior } from '../models/capabilities.js';
import { manualSeed } from '../tensor/runtime.js';
import { withOpenRun, type OpenRun } from '../train/open-run.js';
import { runDatasetSpec } from '../train/prepare.js';
import { FILES } from '../train/run-dir.js';
import { saveImageGrid } from '../viz/figures.js';
import { shellWord } from './runs.js';
import { runArg, runDir, type SectionContext } from './section.js';

/** The `--sampler` flag of a command, empty for the model's own prior (the default). */
const samplerFlag = (kind: SamplerKind): string => (kind === 'prior' ? '' : ` --sampler ${kind}`);

/** The feature network and the test set's features, computed once and shared by every run of the section (all score against the same test set). */
export interface QualityScorer {
  score(run: OpenRun, kind: SamplerKind, prior: Prior, components: number | undefined): Promise<SampleQuality>;
  dispose(): void;
}

/**
 * `sampleQuality` (eval/sample-quality.ts) with its judge (the classifier and the test set's
 * features) kept between runs: each `sampleQuality` call passes the 10,000 test images through
 * the classifier again, nine tenths of a call's time at the tiny scale.
 */
export function qualityScorer(ctx: SectionContext): QualityScorer {
  const { samples: n } = ctx.plan.latentFamily;
  const profile = ctx.plan.classifier;
  let cache: { key: string; judge: QualityJudge } | null = null;
  const dispose = (): void => {
    cache?.judge.net.dispose();
    cache?.judge.real.dispose();
    cache = null;
  };
  return {
    async score(run, kind, prior, components) {
      const key = JSON.stringify({ ...runDatasetSpec(run.config, 'test'), classes: undefined });
      if (cache?.key !== key) {
        dispose();
        const judge = await qualityJudge(
          run.config,
          (e, acc) =>
            ctx.message(`training the feature classifier: epoch ${e}, test accuracy ${(acc * 100).toFixed(2)}%`),
          profile ?? undefined,
        );
        cache = { key, judge };
      }
      return judgeSamples(run, cache.judge, { n, seed: 0, sampler: { name: kind, prior, components } });
    },
    dispose,
  };
}

/** `latentlab quality --run <run> --n n [--sampler S] [--classifier-images ...]` with the plan's samples and feature network, and that command. */
export async function samplerQuality(
  ctx: SectionContext,
  scorer: QualityScorer,
  name: string,
  kind: SamplerKind,
): Promise<{ result: SampleQuality; command: string }> {
  const n = ctx.plan.latentFamily.samples;
  const profile = ctx.plan.classifier;
  const command = `latentlab quality --run ${runArg(ctx, name)} --n ${n}${samplerFlag(kind)}${profile ? ` --classifier-images ${profile.images} --classifier-epochs ${profile.epochs}` : ''}`;
  const dir = runDir(ctx, name);
  const path = join(dir, sampleQualityFile(kind));
  if (existsSync(path) && statSync(path).mtimeMs >= statSync(join(dir, FILES.model)).mtimeMs) {
    const r = JSON.parse(readFileSync(path, 'utf8')) as SampleQuality;
    if (
      r.samples === n &&
      r.seed === 0 &&
      r.sampler === kind &&
      JSON.stringify(r.classifier_profile ?? null) === JSON.stringify(profile)
    ) {
      ctx.message(`using ${path}, newer than the model and made with the same settings`);
      return { result: r, command };
    }
  }
  const result = await withOpenRun(dir, async (run) => {
    const s = await samplerForRun(run, kind, { onNote: (text) => ctx.message(`${name}: ${text}`) });
    try {
      return await scorer.score(run, s.kind, s.prior, s.components);
    } finally {
      s.dispose();
    }
  });
  return { result, command };
}

/** 64 samples of the run under a sampler, drawn as `latentlab sample --sampler S --seed 7 --out <file>` draws them; the file and that command. */
export async function drawSamples(
  ctx: SectionContext,
  name: string,
  kind: SamplerKind,
): Promise<{ path: string; command: string }> {
  const seed = 7;
  const path = join(runDir(ctx, name), `samples-${kind}.png`);
  await withOpenRun(runDir(ctx, name), async (run) => {
    const s = await samplerForRun(run, kind);
    try {
      manualSeed(seed);
      const images = sampleImages(run.model, 64, 1, 'each', s.prior);
      await saveImageGrid(path, images, { scale: 2 });
      images.dispose();
    } finally {
      s.dispose();
    }
  });
  return {
    path,
    command: `latentlab sample --run ${runArg(ctx, name)}${samplerFlag(kind)} --seed ${seed} --out ${shellWord(path)}`,
  };
}

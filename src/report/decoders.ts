/**
 * Section 5: Bernoulli against Gaussian decoder. The notes blame the VAE's blur on the
 * pixel-wise likelihood (a Gaussian decoder is a squared error). The same MLP VAE is trained
 * twice on grey levels, once with each likelihood; the same test images are reconstructed by
 * both, side by side, and the sharpness of each set (mean gradient magnitude) is measured.
 */
import { join } from 'node:path';
import { meanGradientMagnitude } from '../eval/sharpness.js';
import { cat } from '../tensor/functional.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { withOpenRun } from '../train/open-run.js';
import { saveImageGrid } from '../viz/figures.js';
import { reconstructions } from '../inference/latent.js';
import { runSpec, shellWord } from './runs.js';
import { evalRun, figure, key, runDir, runFigure, type Section, type SectionContext } from './section.js';
import type { NumberEntry } from './types.js';

const DECODERS = [
  { name: 'decoder-bernoulli', label: 'Bernoulli', settings: { likelihood: 'bernoulli' as const } },
  {
    name: 'decoder-gaussian',
    label: 'Gaussian (sigma 0.1)',
    settings: { likelihood: 'gaussian' as const, sigma: 0.1 },
  },
];
/** Test images shown in the comparison (the sharpness uses plan.decoders.compareImages). */
const SHOWN = 16;
const COLS = 8;

/** Reconstructions of the first n test images by a run: [n, C, H, W], and the originals. */
async function reconstruct(
  ctx: SectionContext,
  name: string,
  n: number,
): Promise<{ originals: Tensor; recon: Tensor }> {
  return withOpenRun(runDir(ctx, name), async (run) => {
    const test = await run.testSet();
    return tidy(() => reconstructions(run.model, test.images.slice(0, 0, Math.min(n, test.length)).float().div(255)));
  });
}

/** Rows of COLS: originals, then each decoder's reconstructions of them, block after block. */
function interleave(sets: Tensor[], shown: number): Tensor {
  return tidy(() => {
    const rows: Tensor[] = [];
    for (let i = 0; i < shown; i += COLS) for (const s of sets) rows.push(s.slice(0, i, Math.min(shown, i + COLS)));
    return cat(rows);
  });
}

export const decoders: Section = {
  id: 'decoders',
  title: 'Bernoulli against Gaussian decoder',
  runs: (plan) =>
    DECODERS.map((d) =>
      runSpec(
        d.name,
        `vae-mlp z=20 on grey levels, ${d.label} decoder`,
        { model: 'vae-mlp', binarize: 'none', ...d.settings },
        plan.decoders,
      ),
    ),
  async analyse(ctx) {
    const n = ctx.plan.decoders.compareImages;
    const outs: { originals: Tensor; recon: Tensor }[] = [];
    for (const d of DECODERS) outs.push(await reconstruct(ctx, d.name, n));
    const originals = outs[0]!.originals;
    const sets = [originals, ...outs.map((o) => o.recon)];
    const file = await saveImageGrid(join(ctx.root, 'figures', 'decoders.png'), interleave(sets, SHOWN), {
      cols: COLS,
      scale: 2,
    });
    const command = `latentlab reproduce --out ${shellWord(ctx.root)} --sections decoders${ctx.plan.scale === 'full' ? '' : ` --${ctx.plan.scale}`}`;
    const sharp = (t: Tensor): number => Math.round(meanGradientMagnitude(t) * 1e5) / 1e5;
    const mse = (t: Tensor): number =>
      Math.round(tidy(() => t.sub(originals).square().sum([1, 2, 3]).mean().item()) * 1e3) / 1e3;
    const of = `${originals.size(0).toLocaleString('en')} test images`;
    const numbers: NumberEntry[] = [
      { label: `sharpness of the original ${of}`, value: sharp(originals), unit: 'mean gradient magnitude', command },
    ];
    DECODERS.forEach((d, i) => {
      const r = outs[i]!.recon;
      numbers.push(
        {
          label: `sharpness of the ${d.label} decoder's reconstructions`,
          value: sharp(r),
          unit: 'mean gradient magnitude',
          command,
        },
        {
          label: `squared error of the ${d.label} decoder's reconstructions`,
          value: mse(r),
          unit: 'per image (sum over pixels)',
          command,
        },
      );
    });
    for (const o of outs) for (const t of [o.originals, o.recon]) t.dispose();
    for (const d of DECODERS) {
      const { result, command: c } = await evalRun(ctx, d.name, 0, null);
      numbers.push({
        label: `${d.label} decoder: test negative ELBO (each under its own likelihood, so not comparable)`,
        value: result.test_neg_elbo,
        unit: 'nats per image',
        command: c,
      });
    }
    return {
      intro:
        'Both runs see the same grey-level images with the same encoder, latent size, optimizer and seed; only the likelihood ' +
        "p(x|z) differs. Sharpness is the mean over pixels of sqrt(dx^2 + dy^2) of neighbouring pixels' differences (pixels in [0, 1]).",
      numbers,
      tables: [],
      figures: [
        key(
          figure(
            ctx,
            file,
            `rows of ${COLS}: test images, their Bernoulli reconstructions, their Gaussian reconstructions (then the next ${COLS})`,
            command,
          ),
        ),
        ...DECODERS.map((d) => runFigure(ctx, d.name, 'samples.png', `${d.label} decoder: samples from z ~ N(0, I)`)),
      ],
      notes: [],
    };
  },
};

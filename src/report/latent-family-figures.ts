/** The latent-family section's two pictures of single runs: VQ-VAE's codes and FactorVAE's TC curve. */
import { join } from 'node:path';
import { asVqVae } from '../models/vq-vae/prior-fit.js';
import { tidy } from '../tensor/scope.js';
import { withOpenRun } from '../train/open-run.js';
import { readMetrics } from '../train/run-dir.js';
import { saveCurves, saveImageGrid } from '../viz/figures.js';
import { figure, key, runArg, runDir, type SectionContext } from './section.js';
import type { FigureEntry } from './types.js';

/** VQ-VAE's codes picture: what each code decodes to, as `latentlab codes` draws it. */
export async function drawCodes(ctx: SectionContext, name: string): Promise<FigureEntry> {
  const path = join(runDir(ctx, name), 'codes.png');
  const codes = await withOpenRun(runDir(ctx, name), async (run) => {
    const model = asVqVae(run.model, 'codes');
    const images = tidy(() => model.codeImages());
    await saveImageGrid(path, images, { cols: 32, scale: 2 });
    images.dispose();
    return model.codes;
  });
  return key(
    figure(
      ctx,
      path,
      `vq-vae: what each of the ${codes} codes decodes to (code k over the whole 7x7 grid, k = 0 ... ${codes - 1} in raster order)`,
      `latentlab codes --run ${runArg(ctx, name)}`,
    ),
  );
}

/** FactorVAE's discriminator estimate of the total correlation, per epoch, training and test. */
export async function drawTcCurve(ctx: SectionContext, name: string): Promise<FigureEntry> {
  const files = await saveCurves(
    join(runDir(ctx, name), 'tc-curve'),
    readMetrics(runDir(ctx, name)),
    'factor-vae: total correlation per epoch',
    [{ key: 'tc', title: "TC (the discriminator's estimate, nats per image)" }],
  );
  return key(
    figure(
      ctx,
      files.png,
      "factor-vae: the total correlation of the codes per epoch, as its discriminator estimates it (the 'TC (D)' panel of the run's curves)",
      `latentlab curves --run ${runArg(ctx, name)}`,
    ),
  );
}

/**
 * `latentlab prior --run R`: fits a VQ-VAE run's Gated PixelCNN prior to the code grids of its
 * training images (workflow/vq-prior.ts), one progress line per epoch, then rewrites the run's
 * model.safetensors atomically with the prior's weights (its checkpoint id kept, so the run still
 * resumes) and draws samples.png from it. `latentlab codes --run R`: what each code decodes
 * to, code k tiled over the whole grid, k = 0 ... K-1 in raster order.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { join } from 'node:path';
import { asVqVae } from '../models/vq-vae/prior-fit.js';
import { setNumThreads } from '../tensor/runtime.js';
import { tidy } from '../tensor/scope.js';
import { withOpenRun } from '../train/open-run.js';
import { fitVqPrior, PRIOR_DEFAULTS } from '../workflow/vq-prior.js';
import { saveImageGrid } from '../viz/figures.js';
import { nonNegativeIntArg, positiveInt } from './parse.js';
import { common, report, type Common } from './visual-args.js';

interface PriorFlags {
  run: string;
  epochs: number;
  lr: number;
  batchSize: number;
  seed: number;
  threads?: number;
  json?: boolean;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(`expected a positive number, got '${value}'`);
  return n;
}

async function fitPrior(o: PriorFlags): Promise<void> {
  if (o.threads) setNumThreads(o.threads);
  const fit = await fitVqPrior(o.run, o, {
    onNote: (t) => console.error(t),
    onStart: (i) => {
      if (!o.json)
        console.error(
          `fitting the PixelCNN prior of ${o.run} to ${i.grids} code grids of ${i.grid.join('x')} (${i.codes} codes; encoded in ${i.seconds.toFixed(1)} s)`,
        );
    },
    onEpoch: ({ epochs, codes, ...line }) =>
      console.log(
        o.json
          ? JSON.stringify(line)
          : `prior epoch ${line.epoch}/${epochs}: train ${line.train_nll.toFixed(2)}, test ${line.test_nll.toFixed(2)} nats per grid (${line.test_nll_per_code.toFixed(3)} per code; uniform ${Math.log(codes).toFixed(3)}); ${line.seconds.toFixed(1)} s`,
      ),
  });
  report(o, fit.files, { prior_epochs: fit.epochs });
}

export function priorCommands(): Command[] {
  const prior = new Command('prior')
    .description(
      "fit a vq-vae run's Gated PixelCNN prior to the code grids of its training images; `sample` then draws from it",
    )
    .requiredOption('--run <dir>', 'the run directory')
    .addOption(
      new Option('--epochs <n>', 'passes over the code grids').argParser(positiveInt).default(PRIOR_DEFAULTS.epochs),
    )
    .addOption(new Option('--lr <x>', "Adam's learning rate").argParser(positiveNumber).default(PRIOR_DEFAULTS.lr))
    .addOption(
      new Option('--batch-size <n>', 'grids per step').argParser(positiveInt).default(PRIOR_DEFAULTS.batchSize),
    )
    .addOption(new Option('--seed <n>', 'random seed').argParser(nonNegativeIntArg).default(PRIOR_DEFAULTS.seed))
    .addOption(new Option('--threads <n>', 'CPU threads').argParser(positiveInt))
    .option('--json', 'one JSON line per epoch, then the files written')
    .action(fitPrior);
  const codes = common(
    new Command('codes').description(
      'what each code of a vq-vae run decodes to: code k over the whole grid, k = 0 ... K-1',
    ),
    'codes.png',
  ).action(async (o: Common) =>
    withOpenRun(o.run, async (run) => {
      const model = asVqVae(run.model, 'codes');
      const images = tidy(() => model.codeImages());
      const path = await saveImageGrid(o.out ?? join(o.run, 'codes.png'), images, { cols: 32, scale: o.scale });
      images.dispose();
      report(o, [path], { codes: model.codes });
    }),
  );
  return [prior, codes];
}

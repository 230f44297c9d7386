/**
 * `latentlab prior --run R`: fits a VQ-VAE run's Gated PixelCNN prior to the code grids of its
 * training images (models/vq-vae/prior-fit.ts), one progress line per epoch, then rewrites the
 * run's model.safetensors atomically with the prior's weights (its checkpoint id kept, so the run
 * still resumes) and draws samples.png from it. `latentlab codes --run R`: what each code decodes
 * to, code k tiled over the whole grid, k = 0 ... K-1 in raster order.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { join } from 'node:path';
import { asVqVae, fitPriorEpoch, priorNll } from '../models/vq-vae/prior-fit.js';
import { sampleImages } from '../inference/latent.js';
import { Adam } from '../tensor/optim/adam.js';
import { loadSafetensors, saveSafetensors } from '../tensor/safetensors.js';
import { manualSeed, setNumThreads } from '../tensor/runtime.js';
import { disposeAll, tidy } from '../tensor/scope.js';
import { withOpenRun } from '../train/open-run.js';
import { FILES } from '../train/run-dir.js';
import { acquireRunLock } from '../train/run-lock.js';
import { codeGridsOf } from '../workflow/code-grids.js';
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
  const lock = acquireRunLock(o.run, { command: 'prior', onNote: (t) => console.error(t) });
  try {
    await withOpenRun(o.run, async (run) => {
      const model = asVqVae(run.model, 'prior');
      const t0 = performance.now();
      const train = await codeGridsOf(run, model, 'train');
      const test = await codeGridsOf(run, model, 'test');
      const cells = model.grid[0] * model.grid[1];
      if (!o.json)
        console.error(
          `fitting the PixelCNN prior of ${o.run} to ${train.size(0)} code grids of ${model.grid.join('x')} (${model.codes} codes; encoded in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
        );
      manualSeed(o.seed);
      const optimizer = new Adam(model.priorParameters(), { lr: o.lr });
      try {
        for (let e = 1; e <= o.epochs; e++) {
          const t1 = performance.now();
          const trainNll = fitPriorEpoch(model.pixelcnn, optimizer, train, o.batchSize);
          const testNll = priorNll(model.pixelcnn, test);
          const seconds = (performance.now() - t1) / 1000;
          const line = {
            epoch: e,
            train_nll: trainNll,
            test_nll: testNll,
            test_nll_per_code: testNll / cells,
            seconds,
          };
          console.log(
            o.json
              ? JSON.stringify(line)
              : `prior epoch ${e}/${o.epochs}: train ${trainNll.toFixed(2)}, test ${testNll.toFixed(2)} nats per grid (${(testNll / cells).toFixed(3)} per code; uniform ${Math.log(model.codes).toFixed(3)}); ${seconds.toFixed(1)} s`,
          );
        }
      } finally {
        optimizer.dispose();
        disposeAll([train, test]);
      }
      model.pixelcnn.epochs.add_(o.epochs);
      model.eval();
      // The same checkpoint id: the optimizer state still matches, so `train --resume` goes on.
      const path = join(o.run, FILES.model);
      const saved = loadSafetensors(path);
      disposeAll(saved.tensors);
      saveSafetensors(path, model.stateDict(), {
        ...saved.metadata,
        prior_epochs: String(model.pixelcnn.epochs.item()),
      });
      manualSeed(0);
      const images = sampleImages(model, 64);
      const png = await saveImageGrid(join(o.run, 'samples.png'), images, { cols: 8, scale: 2 });
      images.dispose();
      report(o, [path, png], { prior_epochs: model.pixelcnn.epochs.item() });
    });
  } finally {
    lock.release();
  }
}

export function priorCommands(): Command[] {
  const prior = new Command('prior')
    .description(
      "fit a vq-vae run's Gated PixelCNN prior to the code grids of its training images; `sample` then draws from it",
    )
    .requiredOption('--run <dir>', 'the run directory')
    .addOption(new Option('--epochs <n>', 'passes over the code grids').argParser(positiveInt).default(2))
    .addOption(new Option('--lr <x>', "Adam's learning rate").argParser(positiveNumber).default(1e-3))
    .addOption(new Option('--batch-size <n>', 'grids per step').argParser(positiveInt).default(128))
    .addOption(new Option('--seed <n>', 'random seed').argParser(nonNegativeIntArg).default(0))
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

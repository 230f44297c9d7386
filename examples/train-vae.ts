/**
 * Train a VAE on MNIST through the library, as `latentlab train` does, then sample it.
 *
 *   node --import tsx examples/train-vae.ts [--limit N] [--epochs N] [--latent N] [--out DIR]
 *
 * Defaults: all 60,000 training images, 10 epochs, 20 latent dimensions, out runs/examples/train-vae.
 * Tiny (as npm test runs it): --limit 256 --epochs 1.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { train, viz, workflow } from 'latentlab';

const { values: args } = parseArgs({
  options: {
    limit: { type: 'string' }, // training images (default: all of them)
    epochs: { type: 'string', default: '10' },
    latent: { type: 'string', default: '20' },
    out: { type: 'string', default: 'runs/examples/train-vae' },
  },
});

// The configuration as the CLI resolves it: the defaults, then a config file's keys ({} here), then
// the flags. Any option of `latentlab train --help` goes here under its camelCase name.
const config = train.resolveConfig(
  {},
  {
    model: 'vae-mlp',
    latent: Number(args.latent),
    epochs: Number(args.epochs),
    ...(args.limit ? { limit: Number(args.limit) } : {}),
  },
);

// trainRun refuses to overwrite a finished run (resume: true would go on from its checkpoint);
// this example starts over each time.
const runDir = join(args.out, 'run');
rmSync(runDir, { recursive: true, force: true });
const result = await workflow.trainRun(config, runDir, {
  callbacks: { onEpochEnd: (r) => console.log(`epoch ${r.epoch}: test -ELBO ${r.test_neg_elbo} nats`) },
});
console.log(`trained ${result.epochsDone} epoch(s) into ${runDir} (with ${result.pictures.length} pictures)`);

// Open the finished run (its configuration and weights) and draw new digits from the prior,
// at temperature 1 and at 0.7 (codes from N(0, 0.7^2 I): fewer, cleaner shapes).
const run = await train.openRun(runDir);
try {
  for (const t of [1, 0.7]) {
    const images = viz.sampleImages(run.model, 64, t); // [64, 1, 28, 28], pixel means in [0, 1]
    const file = await viz.saveImageGrid(join(args.out, `samples-t${t}.png`), images, { cols: 8, scale: 2 });
    images.dispose(); // made outside tidy(): ours to free
    console.log(`samples: ${file}`);
  }
} finally {
  run.dispose();
}

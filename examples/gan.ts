/**
 * Train a GAN (Goodfellow et al. 2014, MLP generator and discriminator) through the library,
 * then draw samples and a walk between two codes with its generator.
 *
 *   node --import tsx examples/gan.ts [--limit N] [--epochs N] [--out DIR]
 *
 * Defaults: all 60,000 training images, 10 epochs, out runs/examples/gan.
 * Tiny (as npm test runs it): --limit 256 --epochs 1.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cat, inference, randn, tidy, train, viz, workflow } from 'latentlab';

const { values: args } = parseArgs({
  options: {
    limit: { type: 'string' }, // training images (default: all of them)
    epochs: { type: 'string', default: '10' },
    out: { type: 'string', default: 'runs/examples/gan' },
  },
});

// gan-mlp brings its own defaults (lr 2e-4, Adam's beta1 0.5, grey-level pixels); flags override them.
const config = train.resolveConfig(
  {},
  { model: 'gan-mlp', epochs: Number(args.epochs), ...(args.limit ? { limit: Number(args.limit) } : {}) },
);
const runDir = join(args.out, 'run');
rmSync(runDir, { recursive: true, force: true }); // trainRun will not overwrite a run
await workflow.trainRun(config, runDir, {
  pictures: false, // we draw our own below
  callbacks: {
    // A GAN has no likelihood to watch: its numbers are the two players' losses and D's outputs.
    onEpochEnd: (r) =>
      console.log(
        `epoch ${r.epoch}: D loss ${r.train_d_loss}, G loss ${r.train_g_loss}, D(x) ${r.train_d_real}, D(G(z)) ${r.train_d_fake}`,
      ),
  },
});

const run = await train.openRun(runDir);
try {
  // 64 draws of the generator: z ~ N(0, I) (the model's prior), decoded.
  const samples = viz.sampleImages(run.model, 64);
  console.log(`samples: ${await viz.saveImageGrid(join(args.out, 'samples.png'), samples, { cols: 8, scale: 2 })}`);
  samples.dispose();

  // A walk: 8 rows, each from one random code to another in 10 steps along the great circle (slerp).
  const walk = tidy(() => {
    const dim = inference.latentDimOf(run.model);
    const rows = Array.from({ length: 8 }, () => inference.interpolateLatents(randn([dim]), randn([dim]), 10, 'slerp'));
    return inference.decodeLatents(run.model, cat(rows));
  });
  console.log(`walk: ${await viz.saveImageGrid(join(args.out, 'walk.png'), walk, { cols: 10, scale: 2 })}`);
  walk.dispose();
} finally {
  run.dispose();
}

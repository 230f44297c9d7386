/**
 * Evaluate a run from code, as `latentlab eval` does: the test negative ELBO and the
 * importance-weighted NLL (Burda et al. 2016), then the IW bound tightening as k grows.
 *
 *   node --import tsx examples/evaluate.ts [--run DIR] [--k N] [--test-images N] [--out DIR]
 *
 * Defaults: k = 1000 samples per image, all 10,000 test images, out runs/examples/evaluate.
 * Without --run a VAE is first trained (--limit N images, default all; --epochs N, default 10).
 * Tiny (as npm test runs it): --run DIR --k 16 --test-images 200.
 */
import { writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { datasets, evaluation, tidy, train, workflow } from 'latentlab';

const { values: args } = parseArgs({
  options: {
    run: { type: 'string' },
    k: { type: 'string', default: '1000' },
    'test-images': { type: 'string' },
    limit: { type: 'string' },
    epochs: { type: 'string', default: '10' },
    out: { type: 'string', default: 'runs/examples/evaluate' },
  },
});

let runDir = args.run;
if (!runDir) {
  runDir = join(args.out, 'run');
  rmSync(runDir, { recursive: true, force: true });
  const flags = { model: 'vae-mlp', epochs: Number(args.epochs), limit: Number(args.limit) || null };
  await workflow.trainRun(train.resolveConfig({}, flags), runDir, { pictures: false });
}

const run = await train.openRun(runDir);
try {
  // The run's test set, binarized once with a fixed seed: the same run always gives the same numbers.
  const limit = args['test-images'] ? { limit: Number(args['test-images']) } : {};
  const r = await evaluation.evaluateRun(run, { k: Number(args.k), ...limit });
  console.log(`${r.test_images} test images: -ELBO ${r.test_neg_elbo.toFixed(2)} nats`);
  console.log(`IW NLL (k=${r.k}) ${r.iw_nll?.toFixed(2)} nats (${r.iw_bits_per_dim?.toFixed(4)} bits/dim)`);
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'eval.json'), JSON.stringify(r, null, 2));

  // By hand on one batch: log (1/k) sum_i p(x, z_i) / q(z_i | x) is a lower bound on log p(x) that
  // rises with k (k = 1 is the ELBO); both numbers below come from the same k samples.
  const first100 = (await run.testSet()).take(100);
  const mean = (a: Float64Array): string => (a.reduce((s, v) => s + v, 0) / a.length).toFixed(2);
  const loader = new datasets.BatchLoader(first100, { batchSize: 100, shuffle: false, binarize: run.config.binarize });
  for (const batch of loader.epoch()) {
    tidy(() => {
      const { x } = batch.load(); // binarized once: every k sees the same pixels
      for (const k of [1, 10, Number(args.k)]) {
        const { iwNll, negElbo } = evaluation.importanceWeightedNll(run.model, x, k);
        console.log(`k=${k}: -ELBO ${mean(negElbo)}, IW NLL ${mean(iwNll)} nats per image`);
      }
    });
  }
} finally {
  run.dispose();
}

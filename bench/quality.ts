/**
 * Quality check of issue 4: test negative ELBO (nats per image, dynamically binarized MNIST,
 * a fixed binarization of the test set) of
 *   vae-mlp 784-400-20 after 10 epochs   target <= 104   (the PyTorch reference: 103.0 after 9)
 *   vae-conv 32-64, z=20 after 2 epochs  target <= 106   (the PyTorch reference: 105.5)
 * Prints one JSON line per model and exits 1 if a target is missed. vae-conv is judged on the
 * mean of seeds 0, 1 and 2 (see below).
 *
 *   npm run quality                       # both
 *   node dist/bench/quality.js vae-conv   # one
 *   ... --with-reference                  # also runs bench/reference/torch_vae.py, same settings
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type RunConfig } from '../src/train/config.js';
import { prepareRun } from '../src/train/prepare.js';
import { machine } from './machine.js';
import { referenceConfigs, runReference } from './reference.js';

// A 2-epoch conv VAE varies by more than a nat between seeds (the reference itself gave 105.51
// with seed 0 and 107.21 with seed 1 here), so it is judged on the mean of three seeds.
const CHECKS: { name: string; config: Partial<RunConfig>; seeds: number[]; target: number; anchor: string }[] = [
  {
    name: 'vae-mlp',
    config: { model: 'vae-mlp', latent: 20, hidden: 400, epochs: 10 },
    seeds: [0],
    target: 104,
    anchor: 'PyTorch reference: 103.0 after 9 epochs',
  },
  {
    name: 'vae-conv',
    config: { model: 'vae-conv', layout: 'strided', latent: 20, epochs: 2 },
    seeds: [0, 1, 2],
    target: 106,
    anchor: 'PyTorch reference: 105.5 after 2 epochs (seed 0)',
  },
];

const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
let failed = false;
async function trainOnce(check: (typeof CHECKS)[number], seed: number): Promise<{ curve: number[]; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), `latentlab-quality-${check.name}-`));
  const config = resolveConfig({}, { ...check.config, batchSize: 128, optimizer: 'adam', binarize: 'dynamic', seed });
  const curve: number[] = [];
  const run = await prepareRun(config, dir, true, {
    onEpochEnd: (r) => {
      curve.push(r.test_neg_elbo ?? NaN);
      console.error(`  ${check.name} seed ${seed} epoch ${r.epoch}: test -ELBO ${r.test_neg_elbo} (${r.sec} s)`);
    },
  });
  const t0 = performance.now();
  await run.trainer.fit();
  run.dispose();
  rmSync(dir, { recursive: true, force: true });
  return { curve, seconds: Math.round((performance.now() - t0) / 1000) };
}

for (const check of CHECKS.filter((c) => !only.length || only.includes(c.name))) {
  const runs: Record<string, number> = {};
  const curves: Record<string, number[]> = {};
  for (const seed of check.seeds) {
    const { curve } = await trainOnce(check, seed);
    runs[`seed ${seed}`] = curve.at(-1)!;
    curves[`seed ${seed}`] = curve;
  }
  const values = Object.values(runs);
  const mean = Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 1000) / 1000;
  const result: Record<string, unknown> = {
    name: `quality-${check.name}`,
    epochs: check.config.epochs,
    test_neg_elbo: mean,
    judged_on: values.length > 1 ? `mean of ${values.length} seeds` : 'seed 0',
    runs,
    target: check.target,
    ok: mean <= check.target,
    anchor: check.anchor,
    curves,
  };
  if (args.includes('--with-reference')) {
    const cfg = referenceConfigs(availableParallelism(), { waitPolicy: undefined, coreType: undefined })[1]!;
    result.reference = Object.fromEntries(
      check.seeds.map((seed) => [
        `seed ${seed}`,
        runReference(
          [
            '--model',
            check.name === 'vae-mlp' ? 'mlp' : 'conv',
            '--epochs',
            String(check.config.epochs),
            '--seed',
            String(seed),
          ],
          cfg,
        ).at(-1)!.test_neg_elbo,
      ]),
    );
  }
  console.log(JSON.stringify({ ...result, machine: machine() }));
  failed ||= !result.ok;
}
process.exitCode = failed ? 1 : 0;

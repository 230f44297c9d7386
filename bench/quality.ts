/**
 * Quality check of issue 4: test negative ELBO (nats per image, dynamically binarized MNIST,
 * a fixed binarization of the test set) of
 *   vae-mlp 784-400-20 after 10 epochs   target <= 104   (the PyTorch reference: 103.0 after 9)
 *   vae-conv 32-64, z=20 after 2 epochs  target <= 106   (the PyTorch reference: 105.5)
 * Prints one JSON line per model and exits 1 if a target is missed.
 *
 *   npm run quality                       # both
 *   node dist/bench/quality.js vae-conv   # one
 *   ... --with-reference                  # also runs ../shared/reference/torch_vae.py, same settings
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type RunConfig } from '../src/train/config.js';
import { prepareRun } from '../src/train/prepare.js';
import { machine } from './machine.js';
import { referenceConfigs, runReference } from './reference.js';

const CHECKS: { name: string; config: Partial<RunConfig>; target: number; anchor: string }[] = [
  { name: 'vae-mlp', config: { model: 'vae-mlp', latent: 20, hidden: 400, epochs: 10 }, target: 104, anchor: 'PyTorch reference: 103.0 after 9 epochs' },
  { name: 'vae-conv', config: { model: 'vae-conv', layout: 'strided', latent: 20, epochs: 2 }, target: 106, anchor: 'PyTorch reference: 105.5 after 2 epochs' },
];

const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
let failed = false;
for (const check of CHECKS.filter((c) => !only.length || only.includes(c.name))) {
  const dir = mkdtempSync(join(tmpdir(), `latentlab-quality-${check.name}-`));
  const config = resolveConfig({}, { ...check.config, batchSize: 128, optimizer: 'adam', binarize: 'dynamic', seed: 0 });
  const curve: number[] = [];
  const run = await prepareRun(config, dir, true, {
    onEpochEnd: (r) => {
      curve.push(r.test_neg_elbo);
      console.error(`  ${check.name} epoch ${r.epoch}: test -ELBO ${r.test_neg_elbo} (${r.sec} s)`);
    },
  });
  const t0 = performance.now();
  await run.trainer.fit();
  run.dispose();
  rmSync(dir, { recursive: true, force: true });
  const result: Record<string, unknown> = {
    name: `quality-${check.name}`,
    epochs: config.epochs,
    test_neg_elbo: curve.at(-1),
    target: check.target,
    ok: curve.at(-1)! <= check.target,
    anchor: check.anchor,
    curve,
    seconds: Math.round((performance.now() - t0) / 1000),
  };
  if (args.includes('--with-reference')) {
    const cfg = referenceConfigs(availableParallelism(), undefined)[1]!;
    const ref = runReference(['--model', check.name === 'vae-mlp' ? 'mlp' : 'conv', '--epochs', String(config.epochs)], cfg);
    result.reference_test_neg_elbo = ref.at(-1)!.test_neg_elbo;
  }
  console.log(JSON.stringify({ ...result, machine: machine() }));
  failed ||= !result.ok;
}
process.exitCode = failed ? 1 : 0;

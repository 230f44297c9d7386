/**
 * The first N training steps of a GAN, one JSON line per step with the discriminator's and the
 * generator's losses, for checking that a change to the trainer or the model interface leaves
 * training exactly as it was (compare the output of two commits, same machine, same threads).
 *
 *   node dist/bench/gan-steps.js [--model dcgan] [--steps 200] [--batch 64] [--seed 0] [--threads 2] > steps.jsonl
 *
 * Each step's losses come from the trainer's running per-image averages (the difference of two
 * running sums), so the script uses only the trainer's public callbacks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../src/train/config.js';
import { prepareRun } from '../src/train/prepare.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'dcgan' },
    steps: { type: 'string', default: '200' },
    batch: { type: 'string', default: '64' },
    seed: { type: 'string', default: '0' },
    threads: { type: 'string', default: '2' },
  },
});
const steps = Number(values.steps);
const batchSize = Number(values.batch);
const dir = mkdtempSync(join(tmpdir(), 'latentlab-gan-steps-'));
const config = resolveConfig(
  {},
  {
    model: values.model,
    epochs: 1,
    batchSize,
    limit: steps * batchSize,
    seed: Number(values.seed),
    threads: Number(values.threads),
  },
);
let prev: Record<string, number> = {};
const run = await prepareRun(config, dir, true, {
  onBatch: (_epoch, done, running) => {
    const sums = Object.fromEntries(
      Object.entries(running).map(([k, v]) => [k, k === 'images' ? v : v * running.images]),
    );
    const b = sums.images! - (prev.images ?? 0);
    const step = (k: string): number => Math.round(((sums[k]! - (prev[k] ?? 0)) / b) * 1e6) / 1e6;
    console.log(JSON.stringify({ step: done, d_loss: step('dLoss'), g_loss: step('gLoss') }));
    prev = sums;
  },
});
try {
  await run.trainer.fit();
} finally {
  run.dispose();
  rmSync(dir, { recursive: true, force: true });
}

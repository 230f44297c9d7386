/** Runs trained for real on a few hundred digits, in seconds, for tests that need a trained model. */
import { resolveConfig, type RunConfig } from '../src/train/config.js';
import { prepareRun } from '../src/train/prepare.js';

export async function tinyRun(dir: string, o: Partial<RunConfig> = {}): Promise<void> {
  const run = await prepareRun(
    resolveConfig({}, { latent: 2, limit: 256, epochs: 1, batchSize: 64, threads: 1, ...o }),
    dir,
    true,
  );
  try {
    await run.trainer.fit();
  } finally {
    run.dispose();
  }
}

/**
 * Resident memory over a long training loop: the MLP VAE trains for `steps` steps and the
 * growth of RSS after the first 1,000 steps must stay under 100 MB (fails with exit code 1).
 */
import { BatchLoader } from '../src/data/loader.js';
import { loadMnist } from '../src/data/builtin.js';
import { VaeMlp } from '../src/models/vae-mlp/model.js';
import { liveTensors, manualSeed } from '../src/tensor/runtime.js';
import { tidy } from '../src/tensor/scope.js';
import { OptimizerGroup, stepContext } from '../src/train/optimizers.js';
import { resolveConfig } from '../src/train/config.js';
import { machine } from './machine.js';

export async function memoryBench(steps: number, limitMb = 100): Promise<void> {
  manualSeed(0);
  const train = await loadMnist('train');
  const model = new VaeMlp({ latent: 20, hidden: 400, imageShape: [1, 28, 28] });
  const opt = OptimizerGroup.create(resolveConfig(), model.parameterGroups());
  const ctx = stepContext(opt);
  const loader = new BatchLoader(train, { batchSize: 128, binarize: 'dynamic' });
  const warmup = Math.min(1000, Math.floor(steps / 2));
  let step = 0;
  let rssAtWarmup = 0;
  let liveAtWarmup = 0;
  const samples: [number, number][] = [];
  const t0 = performance.now();
  while (step < steps) {
    for (const batch of loader.epoch()) {
      tidy(() => {
        const { x, y } = batch.load();
        return model.trainingStep({ x, y, t: 0, iteration: step }, ctx);
      });
      step++;
      if (step === warmup) {
        rssAtWarmup = process.memoryUsage.rss();
        liveAtWarmup = liveTensors();
      }
      if (step % 1000 === 0) samples.push([step, Math.round(process.memoryUsage.rss() / 2 ** 20)]);
      if (step >= steps) break;
    }
  }
  const growthMb = (process.memoryUsage.rss() - rssAtWarmup) / 2 ** 20;
  const result = {
    name: 'memory-vae-mlp',
    steps,
    rss_after_warmup_mb: Math.round(rssAtWarmup / 2 ** 20),
    rss_growth_after_warmup_mb: Math.round(growthMb * 10) / 10,
    limit_mb: limitMb,
    live_tensors: [liveAtWarmup, liveTensors()],
    rss_mb_every_1000_steps: samples,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    ok: growthMb < limitMb && liveTensors() <= liveAtWarmup,
    machine: machine(),
  };
  console.log(JSON.stringify(result));
  if (!result.ok) process.exitCode = 1;
}

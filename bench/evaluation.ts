/**
 * The evaluation figures of issue 6, through the real command line, one JSON line each:
 *   eval-vae-mlp        10-epoch vae-mlp: test -ELBO and the importance-weighted NLL with
 *                       k=5000 on all 10,000 test images, and the command's wall time
 *   anomaly-<dataset>   the one-class protocol (each class in turn normal): AUROC per score and class
 *   fid-anchors         FID of the MNIST test set against the training set, and of 10,000
 *                       uniform-noise images, on the cached classifier's features
 *   quality-vae-mlp     FID-style and Inception-style scores of the VAE's samples
 *
 *   node dist/bench/evaluation.js [eval] [anomaly] [fid] [quality]   (all by default; runs in runs/bench/)
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/binding/native.js';
import { loadMnist } from '../src/data/builtin.js';
import { loadDataset } from '../src/data/load.js';
import { featuresAndProbs, loadOrTrainClassifier } from '../src/eval/classifier.js';
import { frechetDistance } from '../src/eval/fid.js';
import { rand } from '../src/tensor/create.js';
import { manualSeed } from '../src/tensor/runtime.js';
import { tidy } from '../src/tensor/scope.js';
import { machine } from './machine.js';

const root = join('runs', 'bench');
const cli = (...args: string[]): { lines: Record<string, unknown>[]; seconds: number } => {
  const t0 = performance.now();
  const out = execFileSync(process.execPath, [join(packageRoot, 'bin', 'latentlab.js'), ...args, '--json'], {
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  }).toString();
  return {
    lines: out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>),
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
};
const vae = join(root, 'vae-mlp-10');

function ensureVae(): void {
  if (!existsSync(join(vae, 'config.json')))
    cli('train', '--model', 'vae-mlp', '--latent', '20', '--epochs', '10', '--out', vae);
}

const which = process.argv.slice(2);
const want = (name: string): boolean => !which.length || which.includes(name);

if (want('eval')) {
  ensureVae();
  const { lines, seconds } = cli('eval', '--run', vae, '--k', '5000');
  console.log(
    JSON.stringify({
      name: 'eval-vae-mlp',
      ...lines.at(-1),
      command_seconds: seconds,
      anchor: 'Burda et al. 2016, one-layer VAE (k=5000, trained far longer): 86.76 nats',
      machine: machine(),
    }),
  );
}

if (want('anomaly')) {
  for (const dataset of ['mnist', 'fashion-mnist']) {
    const { lines, seconds } = cli(
      'anomaly',
      '--normal',
      'all',
      '--dataset',
      dataset,
      '--out',
      join(root, `anomaly-${dataset}`),
    );
    console.log(
      JSON.stringify({
        name: `anomaly-${dataset}`,
        ...lines.at(-1),
        seconds,
        anchor: 'Deep SVDD (Ruff et al. 2018), MNIST mean AUROC 0.948',
        machine: machine(),
      }),
    );
  }
}

if (want('fid')) {
  const { net, info } = await loadOrTrainClassifier('mnist', async () => ({
    train: await loadMnist('train'),
    test: await loadMnist('test'),
  }));
  const train = await loadMnist('train');
  const test = await loadDataset({ dataset: 'mnist', split: 'test' });
  manualSeed(0);
  const fids = tidy(() => {
    const feats = (x: ReturnType<typeof rand>) => featuresAndProbs(net, x).features;
    const trainF = feats(train.images.slice(0, 0, 10000).float().div(255));
    const testF = feats(test.images.float().div(255));
    const noiseF = feats(rand([10000, 1, 28, 28]));
    return { test_vs_train: frechetDistance(testF, trainF), noise_vs_train: frechetDistance(noiseF, trainF) };
  });
  console.log(JSON.stringify({ name: 'fid-anchors', ...fids, classifier: info, machine: machine() }));
}

if (want('quality')) {
  ensureVae();
  const { lines } = cli('quality', '--run', vae, '--n', '10000');
  console.log(JSON.stringify({ name: 'quality-vae-mlp', ...lines.at(-1), machine: machine() }));
}

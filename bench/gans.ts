/**
 * The GAN figures of issue 7, through the real command line, one JSON line each:
 *   dcgan     dcgan on MNIST for 10 epochs: class coverage of 10,000 samples (each class's
 *             share), FID-style and Inception-style scores, beside the VAE's
 *   cgan      cgan on MNIST (30 epochs): for each label k, the share of 1,000 samples classified as k
 *   cvae      cvae on MNIST (z=2, its default): the same
 *   wgan-gp   wgan-gp on MNIST: coverage and FID-style score
 *
 *   node dist/bench/gans.js [dcgan] [cgan] [cvae] [wgan-gp] [--epochs N]   (all by default; runs in runs/bench/<model>-<epochs>)
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/binding/native.js';
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

const argv = process.argv.slice(2);
const epochsAt = argv.indexOf('--epochs');
/** Epochs per model unless --epochs says: dcgan as issue 7 asks; the MLP cgan learns its classes more slowly. */
const EPOCHS: Record<string, number> = { dcgan: 10, 'wgan-gp': 10, cgan: 30, cvae: 10 };
const epochsFlag = epochsAt >= 0 ? Number(argv[epochsAt + 1]) : null;
const which = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--epochs');
const want = (name: string): boolean => !which.length || which.includes(name);

/** Settings per model beyond the defaults: DCGAN's usual sizes for MNIST (z=100, 64 channels). */
const FLAGS: Record<string, string[]> = {
  dcgan: ['--latent', '100', '--width', '64'],
  'wgan-gp': ['--latent', '100', '--width', '64'],
  cgan: [],
  cvae: [],
};

for (const model of Object.keys(FLAGS)) {
  if (!want(model)) continue;
  const epochs = epochsFlag ?? EPOCHS[model]!;
  const dir = join(root, `${model}-${epochs}`);
  let trainSeconds: number | null = null;
  let perEpoch: Record<string, unknown>[] = [];
  if (!existsSync(join(dir, 'model.safetensors'))) {
    const t = cli('train', '--model', model, ...FLAGS[model]!, '--epochs', String(epochs), '--out', dir);
    trainSeconds = t.seconds;
    perEpoch = t.lines.filter((l) => l.epoch !== undefined);
  }
  const q = cli('quality', '--run', dir, '--n', '10000').lines.at(-1)!;
  const counts = q.class_counts as number[];
  const total = counts.reduce((a, b) => a + b, 0);
  console.log(
    JSON.stringify({
      name: `gan-${model}`,
      run: dir,
      epochs,
      flags: FLAGS[model],
      train_seconds: trainSeconds,
      epoch_seconds: perEpoch.map((l) => l.sec),
      classes_covered_per_epoch: perEpoch.map((l) => l.classes_covered),
      fid: q.fid,
      inception_score: q.inception_score,
      class_shares: counts.map((c) => Math.round((c / total) * 1e4) / 1e4),
      min_class_share: Math.min(...counts) / total,
      label_accuracy: q.label_accuracy ?? null,
      min_label_accuracy: q.label_accuracy ? Math.min(...(q.label_accuracy as number[])) : null,
      feature_network: q.feature_network,
      machine: machine(),
    }),
  );
}

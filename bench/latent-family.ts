/**
 * Beyond the Gaussian prior, at one budget: vae-mlp beside the autoencoder, WAE-MMD, RAE,
 * beta-TCVAE, FactorVAE and VQ-VAE (with its learned PixelCNN prior), each trained for the same
 * epochs on MNIST, then measured with the commands a user runs:
 *   latentlab eval --k 0          its objective's terms, reconstruction error, total correlation
 *   latentlab quality --sampler S FID-style score and class shares of 10,000 samples, for the
 *                                 model's own prior and, for flat codes, the post-hoc Gaussian and GMM
 * Prints one JSON line per (model, sampler) and, at the end, the Markdown table of docs/BENCHMARKS.md.
 *
 *   node dist/bench/latent-family.js [--out DIR] [--epochs N] [--models vae-mlp,rae,...] [--prior-epochs N]
 *
 * Runs already trained in DIR are measured again, not retrained.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { machine } from './machine.js';

const CLI = join(import.meta.dirname, '..', 'src', 'cli', 'run.js');

interface Entry {
  model: string;
  /** Options beyond the model's defaults. */
  flags: string[];
  /** Samplers to measure; 'prior' is the model's own. */
  samplers: string[];
  /** Train its learned prior (`latentlab prior`) before measuring. */
  learnedPrior?: boolean;
}

const FLAT = ['prior', 'gaussian', 'gmm'];
const ENTRIES: Entry[] = [
  { model: 'vae-mlp', flags: [], samplers: FLAT },
  { model: 'ae-mlp', flags: [], samplers: FLAT },
  { model: 'wae', flags: [], samplers: FLAT },
  { model: 'rae', flags: [], samplers: FLAT },
  { model: 'beta-tcvae', flags: [], samplers: FLAT },
  { model: 'factor-vae', flags: [], samplers: FLAT },
  { model: 'vq-vae', flags: [], samplers: ['prior'], learnedPrior: true },
];

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
}

const out = arg('out', join('runs', 'bench-latent-family'));
const epochs = arg('epochs', '10');
const priorEpochs = arg('prior-epochs', '10');
const only = arg('models', '').split(',').filter(Boolean);

/** Runs `latentlab ...`, its progress on stderr; gives stdout's last line parsed, and the seconds taken. */
function latentlab(args: string[]): { json: Record<string, unknown>; seconds: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args, '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`latentlab ${args.join(' ')}: exit ${r.status}`);
  const last = r.stdout.trim().split('\n').at(-1)!;
  return { json: JSON.parse(last) as Record<string, unknown>, seconds: (performance.now() - t0) / 1000 };
}

/** Seconds of training, summed over the run's epochs (resumed runs included). */
function trainSeconds(dir: string): number {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { sec?: number })
    .reduce((a, r) => a + (r.sec ?? 0), 0);
}

const rows: Record<string, unknown>[] = [];
for (const e of ENTRIES.filter((x) => !only.length || only.includes(x.model))) {
  const dir = join(out, e.model);
  if (!existsSync(join(dir, 'model.safetensors')))
    latentlab(['train', '--model', e.model, '--epochs', epochs, '--out', dir, ...e.flags]);
  let priorSeconds = 0;
  if (e.learnedPrior) priorSeconds = latentlab(['prior', '--run', dir, '--epochs', priorEpochs]).seconds;
  const ev = latentlab(['eval', '--run', dir, '--k', '0']).json;
  for (const sampler of e.samplers) {
    const q = latentlab(['quality', '--run', dir, '--n', '10000', '--sampler', sampler]).json;
    const counts = q.class_counts as number[];
    const total = counts.reduce((a, b) => a + b, 0);
    const row = {
      model: e.model,
      sampler,
      components: typeof q.sampler_components === 'number' ? q.sampler_components : null,
      train_seconds: Math.round(trainSeconds(dir)),
      prior_seconds: Math.round(priorSeconds),
      test_loss: ev.test_loss ?? null,
      test_neg_elbo: ev.test_neg_elbo ?? null,
      test_recon: ev.test_recon,
      tc: ev.tc ?? null,
      fid: q.fid,
      inception_score: q.inception_score,
      min_class_share: Math.min(...counts) / total,
      class_shares: counts.map((c) => Math.round((1000 * c) / total) / 1000),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}

const f = (v: unknown, d = 1): string => (typeof v === 'number' ? v.toFixed(d) : '–');
console.log(`\nMachine: ${JSON.stringify(machine())}; budget: ${epochs} epochs of MNIST (60,000 images), batch 128.\n`);
console.log('| model | sampler | train s | test recon | -ELBO | TC | FID-style | IS | smallest class |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${String(r.model)} | ${String(r.sampler)}${r.components ? ` (K=${f(r.components, 0)})` : ''} | ${f(r.train_seconds, 0)}${r.prior_seconds ? ` + ${f(r.prior_seconds, 0)}` : ''} | ${f(r.test_recon)} | ${f(r.test_neg_elbo)} | ${f(r.tc, 2)} | ${f(r.fid)} | ${f(r.inception_score, 2)} | ${f(100 * (r.min_class_share as number))}% |`,
  );

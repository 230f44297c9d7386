import assert from 'node:assert/strict';
import { parseOption } from '../src/util/options.js';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as L from '../src/index.js';
import { models as registeredModels } from '../src/models/registry.js';
import { cli, cliArgv, jsonLines, tempDir } from './helpers.js';

const { train } = L;
const tmp = tempDir('train');
let runCount = 0;
const newDir = (): string => join(tmp, `run${++runCount}`);

function config(over: Partial<L.train.RunConfig>): L.train.RunConfig {
  return train.resolveConfig({}, { limit: 256, epochs: 2, batchSize: 64, evalBatchSize: 500, threads: 2, ...over });
}

/** Trains to completion through the library and returns the epoch records. */
async function fit(c: L.train.RunConfig, dir = newDir()): Promise<{ records: L.train.EpochRecord[]; dir: string }> {
  const records: L.train.EpochRecord[] = [];
  const run = await train.prepareRun(c, dir, true, { onEpochEnd: (r) => void records.push(r) });
  try {
    await run.trainer.fit();
  } finally {
    run.dispose();
  }
  return { records, dir };
}

const variants: [string, Partial<L.train.RunConfig>][] = [
  ['vae-mlp', { model: 'vae-mlp' }],
  ['vae-mlp, softplus variance', { model: 'vae-mlp', variance: 'softplus' }],
  [
    'vae-mlp, Gaussian decoder with fixed sigma',
    { model: 'vae-mlp', likelihood: 'gaussian', sigma: 0.2, binarize: 'none' },
  ],
  [
    'vae-mlp, Gaussian decoder with learned sigma',
    { model: 'vae-mlp', likelihood: 'gaussian', sigma: 'learned', binarize: 'none' },
  ],
  ['vae-mlp, beta 4 with linear warm-up', { model: 'vae-mlp', beta: 4, klSchedule: 'linear', warmupEpochs: 1 }],
  ['vae-conv (strided)', { model: 'vae-conv' }],
  ['vae-conv (keras layout)', { model: 'vae-conv', layout: 'keras' }],
  ['ae-mlp', { model: 'ae-mlp' }],
  ['ae-conv (keras, 128-d code)', { model: 'ae-conv', latent: 128, optimizer: 'adadelta' }],
  ['ae-conv (strided)', { model: 'ae-conv', layout: 'strided' }],
];

for (const [name, over] of variants) {
  test(`${name}: the training loss falls within a few steps on tiny data`, async () => {
    const { records } = await fit(config({ ...over, epochs: 3 }));
    assert.equal(records.length, 3);
    const [first, , last] = records;
    const [before, after] = [first!.train_neg_elbo!, last!.train_neg_elbo!];
    assert.ok(after < before, `train -ELBO ${before} -> ${after}`);
    assert.ok(Number.isFinite(last!.test_neg_elbo));
    if (!name.startsWith('ae')) assert.ok(last!.train_kl! > 0, 'a VAE has a KL term');
    else assert.equal(last!.train_kl, 0);
  });
}

test('the same seed and threads give the same loss curve', async () => {
  const a = await fit(config({ seed: 5 }));
  const b = await fit(config({ seed: 5 }));
  assert.deepEqual(
    a.records.map((r) => [r.train_loss, r.test_neg_elbo]),
    b.records.map((r) => [r.train_loss, r.test_neg_elbo]),
  );
  const c = await fit(config({ seed: 6 }));
  assert.notEqual(c.records[1]!.train_loss, a.records[1]!.train_loss);
});

test('resume at an epoch boundary gives the same next loss as an uninterrupted run', async () => {
  const whole = await fit(config({ epochs: 3, seed: 2 }));
  const dir = newDir();
  await fit(config({ epochs: 2, seed: 2 }), dir);
  const records: L.train.EpochRecord[] = [];
  const run = await train.prepareRun(config({ epochs: 3, seed: 2 }), dir, false, {
    onEpochEnd: (r) => void records.push(r),
  });
  run.trainer.resume();
  await run.trainer.fit();
  run.dispose();
  assert.deepEqual(
    records.map((r) => r.epoch),
    [3],
  );
  assert.equal(records[0]!.train_loss, whole.records[2]!.train_loss);
  assert.equal(records[0]!.test_neg_elbo, whole.records[2]!.test_neg_elbo);
  assert.deepEqual(
    train.readMetrics(dir).map((m) => m.epoch),
    [1, 2, 3],
  );
});

test('a stop in the middle of an epoch checkpoints there, and resuming finishes it identically', async () => {
  const whole = await fit(config({ epochs: 2, seed: 3 }));
  const dir = newDir();
  const run = await train.prepareRun(config({ epochs: 2, seed: 3 }), dir, true, {
    onBatch: (epoch, done) => {
      if (epoch === 2 && done === 2) run.trainer.requestStop('test stop');
    },
  });
  // The stop is honoured at the next yield to the event loop; make every batch yield.
  const origNow = performance.now.bind(performance);
  let t = 0;
  performance.now = () => (t += 100);
  try {
    const r = await run.trainer.fit();
    assert.equal(r.epochsDone, 1);
  } finally {
    performance.now = origNow;
    run.dispose();
  }
  const state = train.loadCheckpoint(dir);
  assert.equal(state.state.epoch, 1);
  assert.ok(state.state.batch >= 2, `stopped at batch ${state.state.batch}`);
  assert.ok(state.order, 'the epoch order is saved');
  L.disposeAll([state.model, state.optimizer, state.rng, state.order]);
  const records: L.train.EpochRecord[] = [];
  const again = await train.prepareRun(config({ epochs: 2, seed: 3 }), dir, false, {
    onEpochEnd: (r) => void records.push(r),
  });
  again.trainer.resume();
  await again.trainer.fit();
  again.dispose();
  assert.equal(records[0]!.train_loss, whole.records[1]!.train_loss);
  assert.equal(records[0]!.test_neg_elbo, whole.records[1]!.test_neg_elbo);
});

test('early stopping stops when validation stops improving and keeps the best model', async () => {
  // After epoch 1 the learning rate drops to ~0, so the validation loss cannot improve.
  const c = config({ epochs: 6, valFraction: 0.25, patience: 2, lrSchedule: 'step', lrStepEpochs: 1, lrGamma: 1e-12 });
  const { records, dir } = await fit(c);
  assert.ok(records.length < 6, `ran ${records.length} epochs`);
  assert.ok(records.every((r) => r.val_neg_elbo !== undefined));
  assert.ok(existsSync(join(dir, train.FILES.best)));
  const ck = train.loadCheckpoint(dir);
  assert.match(ck.state.stopReason ?? '', /early stopping/);
  L.disposeAll([ck.model, ck.optimizer, ck.rng]);
});

test('KL schedules: linear warm-up and cyclical annealing', () => {
  const base = { beta: 2, warmupEpochs: 4, cycles: 2, cycleRatio: 0.5, epochs: 8 };
  assert.equal(train.klWeight({ ...base, klSchedule: 'constant' }, base.epochs, 1), 2);
  assert.deepEqual(
    [0, 1, 2, 4, 6].map((t) => train.klWeight({ ...base, klSchedule: 'linear' }, base.epochs, t)),
    [0, 0.5, 1, 2, 2],
  );
  // Cycles of 4 epochs, rising over the first 2 of each.
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 7.9].map((t) => train.klWeight({ ...base, klSchedule: 'cyclical' }, base.epochs, t)),
    [0, 1, 2, 2, 0, 1, 2],
  );
  const lr = { lrStepEpochs: 2, lrGamma: 0.1, epochs: 10 };
  assert.deepEqual(
    [0, 1, 2, 4].map((e) => train.learningRate({ ...lr, lrSchedule: 'step' }, 1, e)),
    [1, 1, 0.1, 0.1 * 0.1],
  );
  assert.equal(train.learningRate({ ...lr, lrSchedule: 'cosine' }, 1, 5), 0.5);
});

test('configuration: file then flags; unknown keys and wrong types are errors', () => {
  const file = join(tmp, 'run.json');
  writeFileSync(file, JSON.stringify({ model: 'vae-conv', latent: 8, epochs: 3 }));
  const c = train.resolveConfig(train.readConfigFile(file), { latent: 4 });
  assert.deepEqual([c.model, c.latent, c.epochs, c.batchSize], ['vae-conv', 4, 3, 128]);
  writeFileSync(file, JSON.stringify({ modle: 'vae-mlp' }));
  assert.throws(() => train.readConfigFile(file), /run\.json: unknown key 'modle'/);
  writeFileSync(file, JSON.stringify({ latent: '20' }));
  assert.throws(() => train.readConfigFile(file), /'latent' must be an integer, got "20"/);
  assert.throws(
    () => train.resolveConfig({}, { patience: 3 }),
    /early stopping \(--patience\) needs a validation split/,
  );
  assert.throws(
    () => parseOption({ beta: train.anySchema('beta')! }, 'beta', 'x'),
    /option --beta: expected a number, got 'x'/,
  );
  // A key of another model names the models it belongs to.
  assert.throws(
    () => train.resolveConfig({}, { model: 'dcgan', beta: 2 }),
    /'beta' does not apply to dcgan; it is an option of vae-mlp/,
  );
});

// --- the command line ----------------------------------------------------------------------

/** The commands run in this file's folder. */
const inTmp = { cwd: tmp };

test('bad options give a clear error and a non-zero exit before any training', () => {
  assert.deepEqual(
    registeredModels()
      .slice(0, 10)
      .map((m) => m.name),
    ['vae-mlp', 'vae-conv', 'ae-mlp', 'ae-conv', 'cvae', 'gan-mlp', 'dcgan', 'wgan-gp', 'cgan', 'iwae'],
  );
  const out = join(tmp, 'never');
  for (const [args, re] of [
    [
      ['--model', 'vae-transformer'],
      // Every registered model, in the registry's order (the first ten are the project's oldest).
      new RegExp(
        `'model' must be one of ${registeredModels()
          .map((m) => m.name)
          .join(', ')}, got "vae-transformer"`,
      ),
    ],
    [['--latent', '-2'], /'latent' must be at least 1, got -2/],
    [['--dataset', '/no/such/data'], /unknown dataset '\/no\/such\/data'/],
    [['--dataset', 'fashion-mnist', '--data-dir', '/nowhere', '--classes', '12'], /no class 12/],
    [['--config', '/no/such.json'], /cannot read config \/no\/such\.json: ENOENT/],
  ] as [string[], RegExp][]) {
    const r = cli(['train', ...args, '--out', out], inTmp);
    assert.equal(r.status, 1, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, re);
    assert.ok(!existsSync(join(out, 'config.json')), 'nothing was written');
  }
});

test('train --json prints a line per epoch and a summary; runs lists it', () => {
  const out = join(tmp, 'cli-run');
  const r = cli(['train', '--limit', '256', '--epochs', '2', '--batch-size', '64', '--out', out, '--json'], inTmp);
  assert.equal(r.status, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  assert.deepEqual(
    lines.map((l) => l.epoch ?? 'summary'),
    [1, 2, 'summary'],
  );
  assert.deepEqual(Object.keys(lines[2]!).slice(0, 4), ['run_dir', 'epochs_done', 'train_neg_elbo', 'test_neg_elbo']);
  const saved = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as {
    resolved: Record<string, unknown>;
    beta: number;
    seed: number;
  };
  assert.equal(saved.beta, 1);
  assert.equal(saved.seed, 0);
  assert.match(String(saved.resolved.likelihood), /bernoulli/);
  assert.ok((saved.resolved.versions as Record<string, string>).libtorch);
  const runs = cli(['runs', '--dir', tmp, '--json'], inTmp);
  assert.ok(runs.stdout.split('\n').some((l) => l.includes('"name":"cli-run"') && l.includes('"epochs_done":2')));
  assert.match(cli(['train', '--out', out], inTmp).stderr, /already holds a run: resume it with --resume/);
});

test('a NaN loss stops training with a message and keeps the last good checkpoint', () => {
  const out = join(tmp, 'nan-run');
  // Epoch 1 is sane; from epoch 2 the learning rate is 1e9 and the loss overflows.
  const r = cli(
    [
      'train',
      '--limit',
      '256',
      '--epochs',
      '4',
      '--batch-size',
      '64',
      '--optimizer',
      'sgd',
      '--lr',
      '1e-3',
      '--lr-schedule',
      'step',
      '--lr-step-epochs',
      '1',
      '--lr-gamma',
      '1e12',
      '--out',
      out,
    ],
    inTmp,
  );
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /the loss became (NaN|Infinity|-Infinity) at epoch 2, batch \d+ .*training stopped\. The last good checkpoint \(after epoch 1\) is kept/,
  );
  const ck = train.loadCheckpoint(out);
  assert.equal(ck.state.epoch, 1);
  assert.ok(
    L.tidy(() => Object.values(ck.model).every((t) => t.isFinite().all().item() === 1)),
    'the kept weights are finite',
  );
  L.disposeAll([ck.model, ck.optimizer, ck.rng]);
});

test('a run killed with SIGKILL mid-epoch resumes from its last checkpoint, which is never corrupt', async () => {
  const out = join(tmp, 'killed');
  // 500 steps of 16 images an epoch: over a second, so that 200 ms after epoch 1's line is inside epoch 2.
  const args = cliArgv(['train', '--limit', '8000', '--epochs', '3', '--batch-size', '16', '--out', out, '--json']);
  const child = spawn(process.execPath, args, { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('"epoch":1')) setTimeout(() => child.kill('SIGKILL'), 200); // inside epoch 2
    });
    child.on('exit', () => resolve());
    child.on('error', reject);
  });
  assert.ok(stdout.includes('"epoch":1') && !stdout.includes('"epoch":3'), stdout);
  assert.ok(existsSync(join(out, train.LOCK_FILE)), 'a SIGKILL leaves the lock behind');
  const ck = train.loadCheckpoint(out);
  assert.ok(ck.state.epoch >= 1);
  L.disposeAll([ck.model, ck.optimizer, ck.rng, ck.order]);
  const r = cli(['train', '--resume', '--out', out, '--json'], inTmp);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`taking over the lock of .*pid ${child.pid} .* is gone`));
  assert.ok(!existsSync(join(out, train.LOCK_FILE)), 'released at the end');
  const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { epochs_done: number };
  assert.equal(summary.epochs_done, 3);
  assert.deepEqual(
    train.readMetrics(out).map((m) => m.epoch),
    [1, 2, 3],
  );
});

test('Ctrl-C (SIGINT) saves a checkpoint where training stands and exits; --resume finishes the run', async () => {
  const out = join(tmp, 'interrupted');
  // Epoch 2 must still be running 200 ms after epoch 1's line: 500 steps of 16 images take over a second.
  const args = cliArgv(['train', '--limit', '8000', '--epochs', '2', '--batch-size', '16', '--out', out, '--json']);
  const child = spawn(process.execPath, args, { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let sent = false; // one Ctrl-C: a second one (say on the summary's chunk) would quit at once
  const code = await new Promise<number | null>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!sent && stdout.includes('"epoch":1')) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 200);
      }
    });
    // 'close', not 'exit': it comes after stdout has ended, so the summary line is in.
    child.on('close', (c) => resolve(c));
    child.on('error', reject);
  });
  assert.equal(code, 130, stdout);
  assert.ok(!existsSync(join(out, train.LOCK_FILE)), 'Ctrl-C releases the lock');
  const summary = JSON.parse(stdout.trim().split('\n').pop()!) as { interrupted: boolean; epochs_done: number };
  assert.equal(summary.interrupted, true);
  const ck = train.loadCheckpoint(out);
  assert.equal(ck.state.epoch, 1);
  assert.ok(ck.state.batch > 0, 'the checkpoint is inside epoch 2');
  L.disposeAll([ck.model, ck.optimizer, ck.rng, ck.order]);
  const r = cli(['train', '--resume', '--out', out, '--json'], inTmp);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    train.readMetrics(out).map((m) => m.epoch),
    [1, 2],
  );
});

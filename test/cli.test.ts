/** Every command smoke-run on tiny data, as a user would run it (a separate process). */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodePng } from '../src/viz/grid.js';
import { cli, jsonLines, tempDir } from './helpers.js';

const tmp = tempDir('cli');

test('--help explains the commands', () => {
  const r = cli(['--help'], { cwd: tmp });
  assert.equal(r.status, 0);
  for (const c of ['doctor', 'train', 'data']) assert.match(r.stdout, new RegExp(`\\n  ${c}\\b`));
  // The common settings and the chosen model's own options, with that model's defaults.
  const vae = cli(['train', '--help'], { cwd: tmp }).stdout;
  assert.match(vae, /--latent <n>\s+latent dimensions \(default: 20\)/);
  assert.match(vae, /--beta <x>\s+weight of the KL term/);
  assert.doesNotMatch(vae, /--gp-weight/);
  const wgan = cli(['train', '--model', 'wgan-gp', '--help'], { cwd: tmp }).stdout;
  assert.match(wgan, /wgan-gp's options/);
  assert.match(wgan, /--latent <n>\s+latent dimensions \(default: 100\)/);
  assert.match(wgan, /--n-critic <n>\s+discriminator \(critic\) steps per generator step \(default: 5\)/);
  assert.match(wgan, /--lr <x>\s+.*\(default: 0\.0001\)/);
  assert.doesNotMatch(wgan, /--beta <x>/);
  assert.match(
    cli(['train', '--model', 'iwae', '--help'], { cwd: tmp }).stdout,
    /--samples <k>\s+importance samples per image/,
  );
});

test('doctor reports libtorch, BLAS, threads, devices, speed and datasets', () => {
  const r = cli(['doctor', '--json'], { cwd: tmp });
  assert.equal(r.status, 0, r.stderr);
  const d = jsonLines(r.stdout).at(-1) as {
    libtorch: { version: string };
    blas: { kind: string };
    threads: number;
    devices: string[];
    matmulGflops: number;
    datasets: Record<string, string | null>;
  };
  assert.match(d.libtorch.version, /^\d+\.\d+\.\d+/);
  assert.ok(d.threads >= 1);
  assert.equal(d.devices[0], 'cpu');
  assert.ok(d.matmulGflops > 0);
  assert.ok(d.datasets.mnist);
  assert.ok(d.blas.kind.length > 0);
});

test('train runs on tiny data and ends with a JSON summary', () => {
  const r = cli(
    ['train', '--limit', '256', '--epochs', '2', '--batch-size', '64', '--out', join(tmp, 'smoke'), '--json'],
    { cwd: tmp },
  );
  assert.equal(r.status, 0, r.stderr);
  const lines = jsonLines(r.stdout) as Record<string, number>[];
  assert.equal(lines.length, 3);
  assert.equal(lines[2]!.epochs_done, 2);
  assert.ok(lines[1]!.train_neg_elbo! < lines[0]!.train_neg_elbo!, 'the loss falls');
  assert.ok(Number.isFinite(lines[2]!.test_neg_elbo));
});

test('bad options fail before any work, with a message and exit code 1', () => {
  for (const [args, re] of [
    [['train', '--latent', '-3'], /option --latent: 'latent' must be at least 1, got -3/],
    [['train', '--epochs', 'many'], /option --epochs: expected a number, got 'many'/],
    [['train', '--lr', '0'], /'lr' must be above 0, got 0/],
    [['data', 'info', 'nope'], /unknown dataset 'nope'/],
    [['data', 'fetch', 'cifar-99'], /unknown dataset 'cifar-99'/],
    [['data', 'info', 'mnist', '--classes', 'seven'], /expected class indices like 7 or 1,7/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['serve', '--port', '70000'], /option '--port <n>' argument '70000' is invalid. expected a port from 0 to 65535/],
    [['train', '--serve', '--port', '70000'], /expected a port from 0 to 65535, got '70000'/],
    [['serve', '--map-limit', '0'], /expected a positive integer, got '0'/],
  ] as [string[], RegExp][]) {
    const r = cli(args, { cwd: tmp });
    assert.equal(r.status, 1, `${args.join(' ')} exited ${r.status}`);
    assert.match(r.stderr, re);
  }
});

test('data info counts classes and draws one row of examples per class', async () => {
  const out = join(tmp, 'examples.png');
  const r = cli(['data', 'info', 'mnist', '--split', 'test', '--limit', '500', '--out', out, '--json'], { cwd: tmp });
  assert.equal(r.status, 0, r.stderr);
  const info = jsonLines(r.stdout).at(-1) as {
    images: number;
    shape: number[];
    classes: { count: number }[];
    pixels: { mean: number };
  };
  assert.equal(info.images, 500);
  assert.deepEqual(info.shape, [1, 28, 28]);
  assert.equal(
    info.classes.reduce((a, c) => a + c.count, 0),
    500,
  );
  assert.ok(existsSync(out));
  const png = await decodePng(out);
  // 10 columns and 10 rows of 28-pixel tiles with 2-pixel padding, scaled 2x.
  assert.deepEqual([png.width, png.height], [(10 * 30 + 2) * 2, (10 * 30 + 2) * 2]);
});

/**
 * latentlab as a dependency, as a user gets it: `npm pack` gives the tarball (under 3 MB, with no
 * tests, benchmarks or pictures), which installs into a fresh project from npm's cache; the native
 * addon is built there from the tarball's sources (by npm's install script, or on first import
 * where npm runs none), and a script that imports latentlab trains one epoch of vae-mlp on 2,000
 * MNIST images and writes samples.png. A consumer's TypeScript file type-checks against the
 * package's declarations with moduleResolution node16 and bundler, and a wrong call fails to.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodePng } from '../src/viz/grid.js';
import { repoRoot, tempDir } from './helpers.js';

const tmp = tempDir('package');
const consumer = join(tmp, 'consumer');

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} (in ${cwd}): exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** What the consumer runs: the library's own API, nothing from the repository. */
const TRAIN_SCRIPT = `
import { readFileSync } from 'node:fs';
import { train, viz, workflow } from 'latentlab';

const config = train.resolveConfig({}, { model: 'vae-mlp', epochs: 1, limit: 2000 });
const result = await workflow.trainRun(config, 'run', { pictures: false });
const run = await train.openRun('run');
await viz.saveImageGrid('samples.png', viz.sampleImages(run.model, 16), { cols: 4 });
run.dispose();
// Which latentlab.node this process loaded: the one built inside this project.
const addon = readFileSync('/proc/self/maps', 'utf8').split('\\n').find((l) => l.endsWith('latentlab.node'));
console.log(JSON.stringify({ epochs: result.epochsDone, addon: addon?.slice(addon.indexOf('/')) }));
`;

const TYPED = `
import { train, viz, type Tensor } from 'latentlab';

export async function samples(dir: string): Promise<Tensor> {
  const run: train.OpenRun = await train.openRun(dir);
  const images: Tensor = viz.sampleImages(run.model, 8);
  const shape: readonly number[] = images.shape;
  console.log(shape.length, run.config.model, run.imageShape[0]);
  return images;
}
`;

/** A consumer's tsconfig: strict, the package's declarations, with the given module resolution. */
function tsconfig(resolution: 'node16' | 'bundler', file: string): string {
  const path = join(consumer, `tsconfig.${resolution}.${file}.json`);
  const module = resolution === 'node16' ? 'node16' : 'esnext';
  writeFileSync(
    path,
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module,
        moduleResolution: resolution,
        target: 'es2022',
        typeRoots: [join(repoRoot, 'node_modules', '@types')],
        types: ['node'],
      },
      files: [file],
    }),
  );
  return path;
}

test(
  'the packed tarball (under 3 MB) installs into a fresh project, builds its addon there, trains and samples',
  { timeout: 12 * 60_000 },
  async () => {
    // scripts/test.sh has just compiled dist/: pack it as it is (prepack would compile again).
    const packed = JSON.parse(
      run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], repoRoot).stdout,
    ) as { filename: string; size: number; files: { path: string }[] }[];
    const { filename, size, files } = packed[0]!;
    assert.ok(size < 3e6, `the tarball is ${(size / 1e6).toFixed(2)} MB`);
    const paths = files.map((f) => f.path);
    for (const p of ['dist/src/index.js', 'dist/src/index.d.ts', 'native/binding.gyp', 'bin/latentlab.js'])
      assert.ok(paths.includes(p), `the tarball lacks ${p}`);
    for (const bad of [
      /^test\//,
      /^bench\//,
      /^docs\//,
      /^dist\/test\//,
      /\.tsbuildinfo$/,
      /\.wasm$/,
      /^native\/build\//,
    ])
      assert.ok(!paths.some((p) => bad.test(p)), `the tarball holds ${paths.find((p) => bad.test(p))}`);

    mkdirSync(consumer, { recursive: true });
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts', join(tmp, filename)],
      consumer,
    );
    writeFileSync(join(consumer, 'train.mjs'), TRAIN_SCRIPT);
    const out = run(process.execPath, ['train.mjs'], consumer).stdout.trim().split('\n').at(-1)!;
    const { epochs, addon } = JSON.parse(out) as { epochs: number; addon: string };
    assert.equal(epochs, 1);
    const installed = realpathSync(join(consumer, 'node_modules', 'latentlab'));
    assert.equal(addon, join(installed, 'native', 'build', 'Release', 'latentlab.node'));
    assert.ok(!addon.startsWith(join(repoRoot, 'native')));
    const png = await decodePng(join(consumer, 'samples.png'));
    assert.ok(png.width >= 4 * 28 && png.height >= 4 * 28, `samples.png is ${png.width}x${png.height}`);
    assert.ok(statSync(join(consumer, 'run', 'model.safetensors')).size > 0);

    // The consumer's TypeScript, against the installed declarations, with both resolutions.
    writeFileSync(join(consumer, 'typed.ts'), TYPED);
    writeFileSync(
      join(consumer, 'wrong.ts'),
      TYPED.replace('viz.sampleImages(run.model, 8)', "viz.sampleImages(run.model, 'eight')"),
    );
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const resolution of ['node16', 'bundler'] as const) {
      run(process.execPath, [tsc, '-p', tsconfig(resolution, 'typed.ts')], consumer);
      const wrong = spawnSync(process.execPath, [tsc, '-p', tsconfig(resolution, 'wrong.ts')], {
        cwd: consumer,
        encoding: 'utf8',
      });
      assert.equal(wrong.status, 2, `${resolution}: a wrong call type-checks\n${wrong.stdout}`);
      assert.match(wrong.stdout, /wrong\.ts.*'string' is not assignable to parameter of type 'number'/);
    }
    assert.match(readFileSync(join(installed, 'package.json'), 'utf8'), /"type": "module"/);
  },
);

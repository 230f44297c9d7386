/** What the drawing commands share: their common flags, argument parsing, and test images by index. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { need } from '../models/capabilities.js';
import { encodeMeans } from '../inference/latent.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import type { OpenRun } from '../train/open-run.js';
import { nonNegativeIntArg, positiveInt } from './parse.js';

export interface Common {
  run: string;
  out?: string;
  scale: number;
  json?: boolean;
  label?: number;
}

export function report(o: { json?: boolean }, files: string[], extra: Record<string, unknown> = {}): void {
  console.log(o.json ? JSON.stringify({ files, ...extra }) : files.map((f) => `wrote ${f}`).join('\n'));
}

/** Parses "0.5,-1.2" into numbers, or says what is wrong. */
export function parseVector(text: string, what = 'latent vector'): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  const bad = parts.findIndex((p, i) => p === '' || !Number.isFinite(values[i]));
  if (bad >= 0) throw new InvalidArgumentError(`${what} '${text}': '${parts[bad]}' is not a number`);
  return values;
}

export function checkLength(v: number[], n: number, what: string): void {
  if (v.length !== n)
    throw new Error(`${what} has ${v.length} values but the model's latent space has ${n} dimensions`);
}

/** Test image `index` as a float image [1, C, H, W]. */
export async function testImage(r: OpenRun, index: number): Promise<Tensor> {
  const ds = await r.testSet();
  if (index >= ds.length)
    throw new Error(`test image ${index} does not exist: the test set has ${ds.length} images (0 to ${ds.length - 1})`);
  return tidy(() =>
    ds.images
      .slice(0, index, index + 1)
      .float()
      .div(255),
  );
}

/** For conditional models (cgan, cvae): the class to generate. */
export const labelOption = (required = true): Option =>
  new Option(
    '--label <k>',
    `conditional models (cgan, cvae): the class to generate${required ? ' (required for them)' : ' (default: column k shows class k)'}`,
  ).argParser(nonNegativeIntArg);

/** Test image `index` and its label, for commands that encode it. */
export async function encodeTestImage(r: OpenRun, index: number, what: string): Promise<Tensor> {
  const model = r.model;
  need(model, 'encoder', what);
  const x = await testImage(r, index);
  const y = model.numClasses ? (await r.testSet()).labels.slice(0, index, index + 1) : undefined;
  const mu = tidy(() => encodeMeans(model, x, y).reshape(-1));
  x.dispose();
  y?.dispose();
  return mu;
}

export function common(cmd: Command, what: string): Command {
  return cmd
    .requiredOption('--run <dir>', 'the run directory')
    .option('--out <file>', `where the picture goes (default: in the run directory, ${what})`)
    .addOption(new Option('--scale <n>', 'integer upscaling of the pixels').argParser(positiveInt).default(2))
    .option('--json', 'print the files written as JSON');
}

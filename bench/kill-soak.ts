/**
 * Kill-and-resume soak: trains a run once without interruption, then, per trial, starts the same
 * run, kills it with SIGKILL at a random moment of its whole life (before the first checkpoint,
 * inside an epoch, while pictures are written), and resumes it (`train --resume`, or a fresh
 * start where the kill came before config.json) until it finishes. Each trial must end with
 * weights bit-identical to the uninterrupted run's (every tensor's bytes in model.safetensors;
 * its header also holds a random checkpoint id) and metrics.jsonl holding exactly one line per
 * epoch. Threads are pinned so that the arithmetic is the same in every process.
 * Prints one JSON line.
 *
 *   node --import tsx bench/kill-soak.ts --trials 20 -- --model vae-mlp --limit 12000 --epochs 5
 *   node --import tsx bench/kill-soak.ts --trials 10 -- --model dcgan --limit 5000 --epochs 3
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSafetensors } from '../src/tensor/safetensors.js';
import { disposeAll } from '../src/tensor/scope.js';
import { cliArgv, prng } from '../test/helpers.js';

const { values, positionals } = parseArgs({
  options: {
    trials: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    threads: { type: 'string', default: '1' },
  },
  allowPositionals: true,
});
const trials = Number(values.trials);
const rand = prng(Number(values.seed));
const trainArgs = [...positionals, '--threads', values.threads, '--seed', '0'];
const epochs = Number(trainArgs[trainArgs.indexOf('--epochs') + 1]);
if (!Number.isInteger(epochs) || epochs < 1) throw new Error('give the run its --epochs after --');
const root = mkdtempSync(join(tmpdir(), 'latentlab-soak-'));

/** Runs `train` to its end; throws with its stderr if it fails. */
function trainToEnd(args: string[]): void {
  const r = spawnSync(process.execPath, cliArgv(['train', ...args]), { encoding: 'utf8', cwd: root });
  if (r.status !== 0) throw new Error(`train ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
}

/** Starts `train` and kills it with SIGKILL after `ms`; resolves with whether it was still running, and when it ended. */
function trainAndKill(args: string[], ms: number): Promise<{ killed: boolean; ranMs: number }> {
  const t = performance.now();
  const child = spawn(process.execPath, cliArgv(['train', ...args]), { cwd: root, stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', ranMs: performance.now() - t });
    });
    child.on('error', reject);
  });
}

/** Every tensor of a weights file as its name and raw bytes. */
function weightBytes(file: string): Map<string, Buffer> {
  const { tensors } = loadSafetensors(file);
  const out = new Map<string, Buffer>();
  for (const [name, t] of Object.entries(tensors)) {
    const a = t.contiguous().toTypedArray();
    out.set(name, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  }
  disposeAll(tensors);
  return out;
}

function sameWeights(a: Map<string, Buffer>, b: Map<string, Buffer>): boolean {
  return a.size === b.size && [...a].every(([name, bytes]) => b.get(name)?.equals(bytes) === true);
}

function metricsEpochs(dir: string): number[] {
  const text = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim();
  return text ? text.split('\n').map((l) => (JSON.parse(l) as { epoch: number }).epoch) : [];
}

const t0 = performance.now();
const reference = join(root, 'reference');
const r0 = performance.now();
trainToEnd([...trainArgs, '--out', reference]);
const runMs = performance.now() - r0;
const want = weightBytes(join(reference, 'model.safetensors'));
const results: {
  trial: number;
  killAtMs: number;
  killed: boolean;
  resumes: number;
  identical: boolean;
  epochs: number[];
}[] = [];
for (let trial = 0; trial < trials; trial++) {
  const out = join(root, `trial-${trial}`);
  // Uniform over the whole life of a run, start-up and the final pictures included. A run that
  // ended before its kill (this machine's speed varies) is done again with a kill inside the time
  // it took, so that every trial is one SIGKILL.
  let killAtMs = Math.round(200 + rand() * runMs);
  let { killed, ranMs } = await trainAndKill([...trainArgs, '--out', out], killAtMs);
  for (let retry = 0; !killed && retry < 3; retry++) {
    rmSync(out, { recursive: true, force: true });
    killAtMs = Math.round(200 + rand() * ranMs);
    ({ killed, ranMs } = await trainAndKill([...trainArgs, '--out', out], killAtMs));
  }
  let resumes = 0;
  if (killed || !existsSync(join(out, 'model.safetensors'))) {
    resumes++;
    trainToEnd(existsSync(join(out, 'config.json')) ? ['--resume', '--out', out] : [...trainArgs, '--out', out]);
  }
  const identical = sameWeights(weightBytes(join(out, 'model.safetensors')), want);
  const result = { trial, killAtMs, killed, resumes, identical, epochs: metricsEpochs(out) };
  results.push(result);
  process.stderr.write(`soak: ${JSON.stringify(result)}\n`);
  rmSync(out, { recursive: true, force: true });
}
rmSync(root, { recursive: true, force: true });
const ok = (r: (typeof results)[number]): boolean =>
  r.identical && r.epochs.length === epochs && r.epochs.every((e, i) => e === i + 1);
console.log(
  JSON.stringify({
    bench: 'kill-soak',
    train: trainArgs.join(' '),
    trials,
    killed: results.filter((r) => r.killed).length,
    passed: results.filter(ok).length,
    uninterruptedSeconds: Math.round(runMs / 100) / 10,
    seconds: Math.round((performance.now() - t0) / 1000),
    failures: results.filter((r) => !ok(r)),
  }),
);
if (results.some((r) => !ok(r))) process.exitCode = 1;

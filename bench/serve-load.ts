/**
 * The web server under load (issue 8): `latentlab serve` runs in its own process, and this
 * process sends decode requests at a fixed rate (open loop: request i leaves at start + i/rate,
 * whether or not earlier ones have answered, so a slow server shows up as latency, not as a
 * lower rate). Prints one JSON line: requests, errors, the rate reached, latency percentiles.
 *
 *   node dist/bench/serve-load.js [--rate 200] [--seconds 30] [--run runs/bench/serve-z2]
 *
 * The run is trained first if it does not exist (vae-mlp, z=2, 3 epochs).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../src/binding/native.js';
import { machine } from './machine.js';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : fallback;
};
const rate = Number(flag('rate', '200'));
const seconds = Number(flag('seconds', '30'));
const runDir = flag('run', join('runs', 'bench', 'serve-z2'));
const cli = join(packageRoot, 'bin', 'latentlab.js');

if (!existsSync(join(runDir, 'model.safetensors'))) {
  execFileSync(process.execPath, [cli, 'train', '--latent', '2', '--epochs', '3', '--out', runDir, '--no-pictures'], {
    stdio: 'inherit',
  });
}

const server = spawn(process.execPath, [cli, 'serve', '--runs', dirname(runDir), '--port', '0', '--json'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve, reject) => {
  createInterface({ input: server.stdout }).once('line', (l) => resolve((JSON.parse(l) as { url: string }).url));
  server.once('exit', (code) => reject(new Error(`the server exited with code ${code}`)));
});
const endpoint = `${url}/api/runs/${basename(runDir)}/decode`;

/** One decode of a random point; resolves with its latency in ms, or throws. */
async function decodeOnce(): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ z: [[Math.random() * 6 - 3, Math.random() * 6 - 3]] }),
  });
  const body = (await res.json()) as { n?: number; error?: string };
  if (res.status !== 200 || body.n !== 1) throw new Error(`${res.status} ${body.error ?? ''}`);
  return performance.now() - t0;
}

for (let i = 0; i < 50; i++) await decodeOnce(); // warm-up: the run is opened, connections made

const total = Math.round(rate * seconds);
const latencies: number[] = [];
const errors: string[] = [];
const start = performance.now();
const pending: Promise<void>[] = [];
for (let i = 0; i < total; i++) {
  const due = start + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  pending.push(
    decodeOnce().then(
      (ms) => void latencies.push(ms),
      (err: Error) => void errors.push(err.message),
    ),
  );
}
await Promise.all(pending);
const elapsed = (performance.now() - start) / 1000;
server.kill('SIGINT');

latencies.sort((a, b) => a - b);
const pct = (p: number): number =>
  Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! * 100) / 100;
console.log(
  JSON.stringify({
    name: 'serve-decode-load',
    endpoint: 'POST /api/runs/<run>/decode, one z=2 vector (vae-mlp 784-400-2)',
    target_rate: rate,
    seconds,
    requests: total,
    ok: latencies.length,
    errors: errors.length,
    first_errors: errors.slice(0, 3),
    achieved_rate: Math.round((total / elapsed) * 10) / 10,
    latency_ms: { median: pct(0.5), p90: pct(0.9), p99: pct(0.99), max: pct(1) },
    machine: machine(),
  }),
);

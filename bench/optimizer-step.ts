/**
 * The time of one Adam step over vae-mlp's 652,824 float32 parameters (ten tensors in one flat
 * buffer): latentlab's fused native step (native/src/optim.cc), latentlab's reference path of
 * ATen operators, and PyTorch's torch.optim.Adam with foreach=False and foreach=True
 * (bench/reference/optimizer_step.py, run once per round so that the four are interleaved).
 * Medians over the rounds; the same thread count on both sides.
 *
 *   node --import tsx bench/optimizer-step.ts [--threads 1] [--repeats 7] [--steps 50] [--no-torch] [--json]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { native, packageRoot } from '../src/binding/native.js';
import { Adam } from '../src/tensor/optim/adam.js';
import { keep, tidy } from '../src/tensor/scope.js';
import { randn } from '../src/tensor/create.js';
import { manualSeed, setNumThreads } from '../src/tensor/runtime.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { machine } from './machine.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    repeats: { type: 'string', default: '7' },
    steps: { type: 'string', default: '50' },
    'no-torch': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const threads = Number(values.threads);
const repeats = Number(values.repeats);
const steps = Number(values.steps);
const PYTHON = '/usr/bin/python3';
const REFERENCE = join(packageRoot, 'bench', 'reference', 'optimizer_step.py');

// vae-mlp's parameter shapes, in its order: 652,824 values.
const SHAPES = [[400, 784], [400], [20, 400], [20], [20, 400], [20], [400, 20], [400], [784, 400], [784]];

function makeOptimizer(fused: boolean): Adam {
  manualSeed(0);
  const params = SHAPES.map((s) => keep(randn(s).requiresGrad_()));
  for (const p of params) p.grad = keep(randn(p.shape));
  return new Adam(params, { lr: 1e-3, fused });
}

/** Seconds per step over `n` steps (the gradients stay as they are). */
function timeSteps(opt: Adam, n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) opt.step();
  return (performance.now() - t0) / 1000 / n;
}

/** One round of the PyTorch reference: seconds per step of each of its settings. */
function torchRound(): Record<string, number> {
  const out = execFileSync(
    PYTHON,
    [REFERENCE, '--threads', String(threads), '--repeats', '1', '--steps', String(steps), '--json'],
    {
      env: { ...process.env, OMP_NUM_THREADS: String(threads) },
    },
  );
  const ms = (JSON.parse(out.toString()) as { ms: Record<string, number> }).ms;
  return Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v / 1000]));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

setNumThreads(threads);
const withTorch = !values['no-torch'] && existsSync(PYTHON) && existsSync(REFERENCE);
const ours: Record<string, Adam> = {
  'latentlab fused': makeOptimizer(true),
  'latentlab reference path': makeOptimizer(false),
};
const runs: Record<string, number[]> = {};
// As many untimed steps first as the reference takes (see optimizer_step.py), though ours need fewer.
for (const o of Object.values(ours)) timeSteps(o, 200);
for (let r = 0; r < repeats; r++) {
  // Each timing starts with 5 untimed steps, as each run of the reference does (caches, state).
  for (const [k, o] of Object.entries(ours)) (runs[k] ??= []).push(tidy(() => (timeSteps(o, 5), timeSteps(o, steps))));
  if (withTorch) for (const [k, s] of Object.entries(torchRound())) (runs[k] ??= []).push(s);
}
const ms = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, Math.round(median(v) * 1e7) / 1e4]));
const count = Object.values(ours)[0]!.params.reduce((n: number, p: Tensor) => n + p.numel, 0);
const fused = ms['latentlab fused']!;
if (values.json) {
  console.log(
    JSON.stringify({
      what: 'one Adam step, ms (median)',
      parameters: count,
      threads,
      repeats,
      steps,
      ms,
      runs_ms: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.map((x) => Math.round(x * 1e7) / 1e4)])),
      fused_kernels: native.fusedKernelCapability(),
      machine: machine(),
    }),
  );
} else {
  console.log(
    `one Adam step over ${count.toLocaleString('en')} float32 parameters, ${threads} thread(s), median of ${repeats} x ${steps} steps (fused kernels: ${native.fusedKernelCapability()})`,
  );
  for (const [k, v] of Object.entries(ms))
    console.log(`  ${k.padEnd(28)} ${v.toFixed(3).padStart(8)} ms   ${(v / fused).toFixed(2)}x the fused step`);
}
for (const o of Object.values(ours)) {
  o.dispose();
  for (const p of o.params) p.dispose();
}

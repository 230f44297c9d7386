/**
 * Fused optimizer steps (native/src/optim.cc) against the reference path of ATen operators
 * (src/tensor/optim/*.ts): 100 steps from the same start agree to max|a-b|/max|b| < 1e-6 in
 * float32 and 1e-12 in float64, for parameters and state; a fused run resumed from its saved
 * state is bit-identical to an uninterrupted one; tensors the fused step cannot take fall back
 * to the reference path; bad arguments to the native functions are errors naming them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { native } from '../src/binding/native.js';
import * as L from '../src/index.js';
import { createOptimizer } from '../src/train/optimizers.js';
import { COMMON, resolveConfig } from '../src/train/config.js';
import { parseOption } from '../src/util/options.js';

// Four parameters, 10,003 values (not a whole number of vectors: the last few take ATen's scalar
// code and the fused step's partial vectors), so that the flat buffer holds several.
const SHAPES = [[40, 100], [100], [50, 100], [903]];
const STEPS = 100;

type Kind = 'Adam' | 'AdamW' | 'SGD' | 'RMSprop';
type Ctor = new (params: L.Tensor[], o: L.optim.OptimizerOptions & Record<string, unknown>) => L.optim.Optimizer;
const CTORS: Record<Kind, Ctor> = {
  Adam: L.optim.Adam,
  AdamW: L.optim.AdamW,
  SGD: L.optim.SGD,
  RMSprop: L.optim.RMSprop,
};
const FUSED_FN: Record<Kind, 'fusedAdamStep' | 'fusedSgdStep' | 'fusedRmspropStep'> = {
  Adam: 'fusedAdamStep',
  AdamW: 'fusedAdamStep',
  SGD: 'fusedSgdStep',
  RMSprop: 'fusedRmspropStep',
};

interface Case {
  name: string;
  kind: Kind;
  opts: Record<string, unknown>;
}
const CASES: Case[] = [
  { name: 'Adam', kind: 'Adam', opts: { lr: 1e-2 } },
  { name: 'Adam, weight decay', kind: 'Adam', opts: { lr: 1e-2, weightDecay: 0.05, betas: [0.8, 0.99] } },
  { name: 'AdamW', kind: 'AdamW', opts: { lr: 1e-2, weightDecay: 0.1, eps: 1e-6 } },
  { name: 'SGD', kind: 'SGD', opts: { lr: 0.05 } },
  { name: 'SGD, momentum', kind: 'SGD', opts: { lr: 0.02, momentum: 0.9 } },
  { name: 'SGD, nesterov', kind: 'SGD', opts: { lr: 0.02, momentum: 0.8, nesterov: true } },
  { name: 'SGD, weight decay', kind: 'SGD', opts: { lr: 0.05, weightDecay: 0.01 } },
  { name: 'SGD, dampening', kind: 'SGD', opts: { lr: 0.02, momentum: 0.9, dampening: 0.3, weightDecay: 0.01 } },
  { name: 'RMSprop', kind: 'RMSprop', opts: { lr: 1e-3 } },
  { name: 'RMSprop, momentum', kind: 'RMSprop', opts: { lr: 1e-3, momentum: 0.9 } },
  { name: 'RMSprop, centered', kind: 'RMSprop', opts: { lr: 1e-3, centered: true, alpha: 0.9 } },
  { name: 'RMSprop, weight decay', kind: 'RMSprop', opts: { lr: 1e-3, weightDecay: 0.05, momentum: 0.5 } },
];

/** A fixed problem: loss 0.5 sum(k (p - target)^2) plus a fresh seeded noise term each step. */
interface Problem {
  start: L.Tensor[];
  k: L.Tensor[];
  target: L.Tensor[];
}

function problem(dtype: L.DType): Problem {
  L.manualSeed(7);
  const make = (f: (s: number[]) => L.Tensor): L.Tensor[] => SHAPES.map((s) => L.keep(f(s)));
  return {
    start: make((s) => L.randn(s, { dtype })),
    k: make((s) => L.rand(s, { dtype }).mul(2).add(0.1)),
    target: make((s) => L.randn(s, { dtype })),
  };
}

/** Sets each parameter's gradient for step `step`: k (p - target) + noise(step), noise ~ N(0, 1). */
function setGrads(pr: Problem, params: L.Tensor[], step: number): void {
  L.tidy(() => {
    L.manualSeed(1000 + step);
    params.forEach((p, i) => {
      const noise = L.randn(p.shape, { dtype: p.dtype });
      p.grad = p.detach().sub(pr.target[i]!).mul(pr.k[i]!).add(noise); // the optimizer copies it into its flat buffer
    });
  });
}

interface Run {
  params: L.Tensor[];
  opt: L.optim.Optimizer;
}

function start(pr: Problem, c: Case, fused: boolean, from: L.Tensor[] = pr.start): Run {
  const params = from.map((t) => L.keep(t.detach().clone().requiresGrad_()));
  return { params, opt: new CTORS[c.kind](params, { ...c.opts, fused }) };
}

function train(pr: Problem, r: Run, from: number, to: number): void {
  for (let s = from; s < to; s++) {
    setGrads(pr, r.params, s);
    r.opt.step();
  }
}

function dispose(r: Run): void {
  r.opt.dispose();
  for (const p of r.params) p.dispose();
}

/** max|a - b| / max|b| over the concatenated values. */
function relativeError(a: L.Tensor[], b: L.Tensor[]): number {
  return L.tidy(() => {
    const fa = L.cat(a.map((t) => t.detach().reshape(-1)));
    const fb = L.cat(b.map((t) => t.detach().reshape(-1)));
    return fa.sub(fb).abs().max().item() / fb.abs().max().item();
  });
}

/** Counts calls of one native fused function while `fn` runs. */
function countCalls(name: (typeof FUSED_FN)[Kind], fn: () => void): number {
  const functions = native as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = functions[name]!;
  let calls = 0;
  functions[name] = (...args) => {
    calls++;
    return original.apply(native, args);
  };
  try {
    fn();
  } finally {
    functions[name] = original;
  }
  return calls;
}

for (const dtype of ['float32', 'float64'] as const) {
  const tolerance = dtype === 'float32' ? 1e-6 : 1e-12;
  test(`fused steps match the reference path over ${STEPS} steps (${dtype}, < ${tolerance})`, () => {
    const pr = problem(dtype);
    for (const c of CASES) {
      const fused = start(pr, c, true);
      const ref = start(pr, c, false);
      assert.equal(
        countCalls(FUSED_FN[c.kind], () => train(pr, fused, 0, STEPS)),
        STEPS,
        `${c.name}: one fused call per step`,
      );
      assert.equal(
        countCalls(FUSED_FN[c.kind], () => train(pr, ref, 0, STEPS)),
        0,
        `${c.name}: reference path`,
      );
      const err = relativeError(fused.params, ref.params);
      assert.ok(err < tolerance, `${c.name}: parameters differ by ${err}`);
      assert.ok(relativeError(ref.params, pr.start) > 1e-3, `${c.name}: the parameters moved`);
      L.tidy(() => {
        const [a, b] = [fused.opt.stateDict(), ref.opt.stateDict()];
        assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${c.name}: state keys`);
        for (const k of Object.keys(b)) {
          if (k.endsWith('.step')) assert.equal(a[k]!.item(), STEPS, `${c.name}: ${k}`);
          else if (b[k]!.abs().max().item() > 0) {
            const e = relativeError([a[k]!], [b[k]!]);
            // State may amplify a last-bit difference in p more than p itself (a momentum buffer
            // sums gradients that cancel), so it gets a tenfold margin.
            assert.ok(e < 10 * tolerance, `${c.name}: state ${k} differs by ${e}`);
          }
        }
      });
      dispose(fused);
      dispose(ref);
    }
    L.disposeAll(pr);
  });
}

test('a fused run resumed from its state after 50 steps is bit-identical to 100 steps', () => {
  const pr = problem('float32');
  const cases = CASES.filter((c) =>
    ['Adam, weight decay', 'AdamW', 'SGD, nesterov', 'RMSprop, centered'].includes(c.name),
  );
  cases.push({
    name: 'RMSprop, centered, momentum',
    kind: 'RMSprop',
    opts: { lr: 1e-3, centered: true, momentum: 0.9 },
  });
  for (const c of cases) {
    const whole = start(pr, c, true);
    train(pr, whole, 0, STEPS);
    const first = start(pr, c, true);
    train(pr, first, 0, STEPS / 2);
    const saved = L.tidy(() =>
      Object.fromEntries(Object.entries(first.opt.stateDict()).map(([k, v]) => [k, L.keep(v.clone())])),
    );
    const resumed = start(pr, c, true, first.params);
    resumed.opt.loadStateDict(saved);
    train(pr, resumed, STEPS / 2, STEPS);
    resumed.params.forEach((p, i) =>
      assert.deepEqual(p.toTypedArray(), whole.params[i]!.toTypedArray(), `${c.name}: parameter ${i}`),
    );
    assert.equal(resumed.opt.stepCount, STEPS);
    L.disposeAll(saved);
    [whole, first, resumed].forEach(dispose);
  }
  L.disposeAll(pr);
});

test('tensors the fused step cannot take use the reference path, with the same results', () => {
  const c = CASES.find((x) => x.name === 'Adam, weight decay')!;
  L.manualSeed(3);
  const w = L.keep(L.randn([30, 20]));
  const run = (fused: boolean): { out: Float32Array; calls: number } => {
    // Without flat buffers the parameter is a transposed (non-contiguous) view.
    const p = L.keep(w.clone().t().requiresGrad_());
    const opt = new L.optim.Adam([p], { ...c.opts, flat: false, fused });
    const calls = countCalls('fusedAdamStep', () => {
      for (let s = 0; s < 5; s++) {
        L.tidy(() => p.mul(p).sum().mul(0.5).backward());
        opt.step();
        opt.zeroGrad();
      }
    });
    const out = p.contiguous().toTypedArray() as Float32Array;
    opt.dispose();
    p.dispose();
    return { out, calls };
  };
  const fused = run(true);
  const ref = run(false);
  assert.equal(fused.calls, 0, 'a strided parameter is not fused');
  assert.deepEqual(fused.out, ref.out);
  w.dispose();
});

test('a fused step bumps the version counter, as in-place ATen operators do', () => {
  // A graph that saved the parameter refuses backward after the step, on either path.
  for (const fused of [true, false]) {
    const p = L.keep(L.randn([1000]).requiresGrad_());
    const opt = new L.optim.SGD([p], { lr: 0.1, flat: false, fused });
    p.grad = L.keep(L.onesLike(p));
    const y = p.mul(p).sum(); // saves p for its backward
    assert.equal(
      countCalls('fusedSgdStep', () => opt.step()),
      fused ? 1 : 0,
    );
    assert.throws(() => y.backward(), /modified by an inplace operation/, `fused: ${fused}`);
    y.dispose();
    opt.dispose();
    p.dispose();
  }
});

test('the native fused steps refuse bad arguments, naming them', () => {
  L.tidy(() => {
    const n = 64;
    const [p, g, m, v] = [0, 1, 2, 3].map(() => L.zeros([n]));
    const settings = { step: 1, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false };
    const adam = (args: Partial<Record<'p' | 'g' | 'm' | 'v', L.Tensor>>, s: object = settings): void =>
      native.fusedAdamStep(
        (args.p ?? p!).handle,
        (args.g ?? g!).handle,
        (args.m ?? m!).handle,
        (args.v ?? v!).handle,
        s as typeof settings,
      );
    assert.throws(
      () => adam({ p: L.zeros([n], { dtype: 'float16' }) }),
      /'param' \(\[64\] float16\) must be float32 or float64/,
    );
    assert.throws(
      () => adam({ m: L.zeros([n], { dtype: 'float64' }) }),
      /'expAvg' .* must have the parameter's dtype, float32/,
    );
    assert.throws(() => adam({ g: L.zeros([8, 16]).t() }), /'grad' \(\[16, 8\] float32\) must be contiguous/);
    assert.throws(() => adam({ v: L.zeros([n + 1]) }), /'expAvgSq' .* has 65 elements, the parameter 64/);
    assert.throws(() => adam({ v: m! }), /'expAvg' and 'expAvgSq' share memory/);
    adam({ g: L.zeros([2 * n]).narrow(0, n, n) }); // a contiguous view at an offset is fine
    assert.throws(() => adam({}, { ...settings, eps: undefined }), /fusedAdamStep: setting 'eps' must be a number/);
    assert.throws(() => adam({}, { ...settings, step: 0 }), /setting 'step' must be a positive integer/);
    assert.throws(
      () => native.fusedAdamStep(p!.handle, 3 as unknown as L.Tensor['handle'], m!.handle, v!.handle, settings),
      /fusedAdamStep: argument 'grad' must be a tensor handle/,
    );
    const sgd = { step: 2, lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 };
    assert.throws(
      () => native.fusedSgdStep(p!.handle, g!.handle, null, sgd),
      /fusedSgdStep: momentum needs argument 'momentumBuffer'/,
    );
    const rms = { lr: 0.1, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: true };
    assert.throws(
      () => native.fusedRmspropStep(p!.handle, g!.handle, m!.handle, null, null, rms),
      /fusedRmspropStep: centered needs argument 'gradAvg'/,
    );
    // Nothing was changed by the refused calls.
    assert.equal(p!.abs().sum().item() + m!.abs().sum().item(), 0);
  });
});

test('training runs use the fused step unless --fused-optimizer false', () => {
  assert.equal(resolveConfig({}, {}).fusedOptimizer, true);
  assert.equal(parseOption(COMMON, 'fusedOptimizer', 'false'), false);
  L.tidy(() => {
    const params = [L.zeros([4]).requiresGrad_()];
    const on = createOptimizer(resolveConfig({}, { optimizer: 'sgd' }), params);
    assert.equal(on.fused, true);
    on.dispose();
    const params2 = [L.zeros([4]).requiresGrad_()];
    const off = createOptimizer(resolveConfig({}, { optimizer: 'rmsprop', fusedOptimizer: false }), params2);
    assert.equal(off.fused, false);
    off.dispose();
  });
});

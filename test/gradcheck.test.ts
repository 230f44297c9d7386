/**
 * Gradient checks: for every differentiable operator latentlab exposes, the autograd gradient
 * must match central finite differences in float64 (relative error < 1e-6), at points chosen
 * away from kinks and ties. Also second-order gradients (createGraph, as WGAN-GP's gradient
 * penalty needs) and a negative test proving the checker does catch a wrong gradient.
 *
 * Set GRADCHECK_REPORT=1 to print every check's maxRelError at the end.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import * as L from '../src/index.js';
import { prng } from './helpers.js';

type Tensor = L.Tensor;
type Fn = (...xs: Tensor[]) => Tensor;
interface Input {
  data: number[];
  shape: number[];
}

const TOL = 1e-6;
const results = new Map<string, number>();
const suiteStart = performance.now();

after(() => {
  if (!process.env.GRADCHECK_REPORT) return;
  const rows = [...results.entries()].sort((a, b) => b[1] - a[1]);
  console.log(`gradcheck: ${rows.length} checks in ${((performance.now() - suiteStart) / 1000).toFixed(2)} s`);
  for (const [name, err] of rows) console.log(`  ${err.toExponential(2).padStart(9)}  ${name}`);
});

// ---------------------------------------------------------------------------------------
// Deterministic inputs.

const numelOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Uniform values in [lo, hi), each at least `margin` away from every point in `avoid`
 * (kinks, thresholds, rounding boundaries), so finite differences never straddle one.
 */
function uniform(shape: number[], seed: number, lo = -1, hi = 1, avoid: number[] = [], margin = 0.05): Input {
  const r = prng(seed);
  const data: number[] = [];
  while (data.length < numelOf(shape)) {
    const v = lo + (hi - lo) * r();
    if (avoid.every((p) => Math.abs(v - p) >= margin)) data.push(v);
  }
  return { data, shape };
}
/** Values in [lo, hi), for logs, roots and denominators. */
const positive = (shape: number[], seed: number, lo = 0.5, hi = 2): Input => uniform(shape, seed, lo, hi);
/** Values in [-hi, hi) with |v| >= margin (relu, abs, leakyRelu, reciprocal). */
const awayFromZero = (shape: number[], seed: number, margin = 0.2, hi = 1.5): Input =>
  uniform(shape, seed, -hi, hi, [0], margin);
/** Distinct values spaced `spacing` apart in shuffled order: no ties for max, min and pooling. */
function distinct(shape: number[], seed: number, spacing = 0.137): Input {
  const n = numelOf(shape);
  const data = Array.from({ length: n }, (_, i) => (i - (n - 1) / 2) * spacing);
  const r = prng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [data[i], data[j]] = [data[j]!, data[i]!];
  }
  return { data, shape };
}
/** `base` plus offsets with |offset| in [margin, 1): no ties between the two (maximum, minimum). */
function apart(base: Input, seed: number, margin = 0.2): Input {
  const off = awayFromZero(base.shape, seed, margin, 1);
  return { data: base.data.map((v, i) => v + off.data[i]!), shape: base.shape };
}

/** An Input from literal values (chosen by hand, e.g. to sit apart from ties). */
function f64Input(data: number[], shape: number[]): Input {
  return { data, shape };
}

/** A float64 constant (made inside fn, so it is fresh on every evaluation). */
function f64(data: number[] | Input, shape?: number[]): Tensor {
  const d = Array.isArray(data) ? data : data.data;
  return L.tensor(Float64Array.from(d), { shape: shape ?? (Array.isArray(data) ? [d.length] : data.shape) });
}
function i64(data: number[], shape?: number[]): Tensor {
  return L.tensor(data, { dtype: 'int64', shape: shape ?? [data.length] });
}
/** Makes a fresh leaf require grad (finite-difference passes hand fn leaves without it). */
function needGrad(x: Tensor): Tensor {
  if (!x.requiresGrad) x.requiresGrad_(true);
  return x;
}
/** Sum of a list of scalars. */
function total(parts: Tensor[]): Tensor {
  return parts.reduce((a, b) => a.add(b));
}

// ---------------------------------------------------------------------------------------
// The check.

interface CheckOptions {
  /** The gradient is zero everywhere (piecewise-constant ops): assert that instead. */
  zeroGrad?: boolean;
}

function runCheck(name: string, fn: Fn, inputs: Input[], opts: CheckOptions = {}): L.GradcheckResult {
  assert.equal(L.isGradEnabled(), true);
  const live = L.liveTensors();
  const r = L.gradcheck(fn, inputs);
  results.set(name, r.maxRelError);
  assert.equal(L.liveTensors(), live, `${name}: the check leaked tensors`);
  assert.equal(L.isGradEnabled(), true, `${name}: grad mode was left off`);
  r.analytic.forEach((a, i) =>
    assert.equal(a.length, inputs[i]!.data.length, `${name}: gradient ${i} has the wrong size`),
  );
  if (!(r.maxRelError < TOL)) {
    const lines = r.analytic.flatMap((a, i) =>
      a
        .map((v, k) => ({ k, v, n: r.numeric[i]![k]! }))
        .filter(({ v, n }) => Math.abs(v - n) > 1e-7)
        .slice(0, 6)
        .map(({ k, v, n }) => `  input ${i}[${k}]: analytic ${v}, numeric ${n}`),
    );
    assert.fail(`${name}: maxRelError ${r.maxRelError} >= ${TOL}\n${lines.join('\n')}`);
  }
  r.numeric.forEach((n, i) => {
    const scale = Math.max(0, ...n.map(Math.abs));
    if (opts.zeroGrad) {
      assert.ok(scale === 0 && r.analytic[i]!.every((v) => v === 0), `${name}: input ${i} should have a zero gradient`);
    } else {
      // A gradient that is zero in both would pass vacuously: every input must matter.
      assert.ok(
        scale > 1e-3,
        `${name}: input ${i} has no gradient (|numeric|_inf = ${scale}); the check would be vacuous`,
      );
    }
  });
  return r;
}

/** One named test per check, so that a failure names its op. */
function check(name: string, fn: Fn, inputs: Input[], opts: CheckOptions = {}): void {
  test(name, () => {
    runCheck(name, fn, inputs, opts);
  });
}

// ---------------------------------------------------------------------------------------

describe('elementwise arithmetic', () => {
  const a23 = uniform([2, 3], 1);
  const b23 = uniform([2, 3], 2);
  const d23 = positive([2, 3], 3);
  check('add tensor', (a, b) => a.add(b), [a23, b23]);
  check('add tensor, alpha', (a, b) => a.add(b, -2.5), [a23, b23]);
  check('add tensor, broadcast [2,3] + [3]', (a, b) => a.add(b), [a23, uniform([3], 4)]);
  check('add tensor, broadcast [2,1,3] + [4,1]', (a, b) => a.add(b), [uniform([2, 1, 3], 5), uniform([4, 1], 6)]);
  check('add tensor, 0-d operand', (a, b) => a.add(b), [a23, { data: [0.7], shape: [] }]);
  check('add scalar', (a) => a.add(2.5), [a23]);
  check('add scalar, alpha', (a) => a.add(1.5, -3), [a23]);
  check('add float32 constant (type promotion to float64)', (a) => a.add(L.tensor([0.5, -1, 2])), [a23]);
  check('sub tensor', (a, b) => a.sub(b), [a23, b23]);
  check('sub tensor, alpha', (a, b) => a.sub(b, 0.75), [a23, b23]);
  check('sub tensor, broadcast [2,3] - [2,1]', (a, b) => a.sub(b), [a23, uniform([2, 1], 7)]);
  check('sub scalar', (a) => a.sub(-1.25), [a23]);
  check('sub scalar, alpha', (a) => a.sub(2, 4), [a23]);
  check('mul tensor', (a, b) => a.mul(b), [a23, b23]);
  check('mul tensor, broadcast [3,1,2] * [4,2]', (a, b) => a.mul(b), [uniform([3, 1, 2], 8), uniform([4, 2], 9)]);
  check('mul tensor, 0-d operand', (a, b) => a.mul(b), [a23, { data: [-1.3], shape: [] }]);
  check('mul tensor by itself', (a) => a.mul(a), [a23]);
  check('mul scalar', (a) => a.mul(-3.5), [a23]);
  check('div tensor', (a, b) => a.div(b), [a23, d23]);
  check('div tensor, broadcast [2,3] / [3]', (a, b) => a.div(b), [a23, positive([3], 10)]);
  check('div tensor, broadcast [3] / [2,3]', (a, b) => a.div(b), [uniform([3], 11), d23]);
  check('div scalar', (a) => a.div(0.3), [a23]);
  check('pow scalar 3', (a) => a.pow(3), [a23]);
  check('pow scalar 2', (a) => a.pow(2), [a23]);
  check('pow scalar 2.5', (a) => a.pow(2.5), [d23]);
  check('pow scalar 0.5', (a) => a.pow(0.5), [d23]);
  check('pow scalar -1.5', (a) => a.pow(-1.5), [d23]);
  check('pow tensor^tensor', (a, b) => a.pow(b), [d23, uniform([2, 3], 12, -2, 2)]);
  check('pow tensor^tensor, broadcast exponent', (a, b) => a.pow(b), [d23, uniform([3], 13, -2, 2)]);
  check('pow tensor^tensor, broadcast base', (a, b) => a.pow(b), [positive([3], 14), uniform([2, 3], 15, -2, 2)]);
  check('neg', (a) => a.neg(), [a23]);
  check('exp', (a) => a.exp(), [uniform([2, 3], 16, -2, 2)]);
  check('log', (a) => a.log(), [positive([2, 3], 17, 0.2, 3)]);
  check('log1p', (a) => a.log1p(), [uniform([2, 3], 18, -0.7, 3)]);
  check('sqrt', (a) => a.sqrt(), [positive([2, 3], 19, 0.2, 4)]);
  check('rsqrt', (a) => a.rsqrt(), [positive([2, 3], 20, 0.2, 4)]);
  check('square', (a) => a.square(), [a23]);
  check('abs', (a) => a.abs(), [awayFromZero([2, 3], 21)]);
  check('reciprocal', (a) => a.reciprocal(), [awayFromZero([2, 3], 22, 0.3)]);
  check('sin', (a) => a.sin(), [uniform([2, 3], 23, -3, 3)]);
  check('cos', (a) => a.cos(), [uniform([2, 3], 24, -3, 3)]);
  check('clamp min and max', (a) => a.clamp(-0.5, 0.4), [uniform([3, 4], 25, -1, 1, [-0.5, 0.4])]);
  check('clamp min only', (a) => a.clamp(0.1), [uniform([3, 4], 26, -1, 1, [0.1])]);
  check('clamp max only', (a) => a.clamp(null, -0.2), [uniform([3, 4], 27, -1, 1, [-0.2])]);
  check('maximum', (a, b) => a.maximum(b), [a23, apart(a23, 28)]);
  check('maximum, broadcast [2,3] vs [3]', (a, b) => a.maximum(b), [
    distinct([2, 3], 29),
    f64Input([-0.2, 0.05, 0.3], [3]),
  ]);
  check('minimum', (a, b) => a.minimum(b), [a23, apart(a23, 30)]);
  check('minimum, broadcast [2,3] vs [2,1]', (a, b) => a.minimum(b), [
    distinct([2, 3], 31),
    f64Input([-0.1, 0.12], [2, 1]),
  ]);
  check('lerp', (a, b) => a.lerp(b, 0.3), [a23, b23]);
  check('lerp, weight > 1', (a, b) => a.lerp(b, 1.7), [a23, b23]);
  check('lerp, broadcast end', (a, b) => a.lerp(b, 0.6), [a23, uniform([3], 32)]);
  check('sign has zero gradient', (a) => a.sign(), [awayFromZero([2, 3], 33)], { zeroGrad: true });
  check('floor has zero gradient', (a) => a.floor(), [uniform([2, 3], 34, -3, 3, [-3, -2, -1, 0, 1, 2, 3])], {
    zeroGrad: true,
  });
  check('round has zero gradient', (a) => a.round(), [uniform([2, 3], 35, -3, 3, [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])], {
    zeroGrad: true,
  });
});

describe('activations', () => {
  const x = uniform([3, 4], 40, -3, 3);
  const nz = awayFromZero([3, 4], 41, 0.1, 3);
  check('sigmoid', (a) => a.sigmoid(), [x]);
  check('tanh', (a) => a.tanh(), [x]);
  check('relu', (a) => a.relu(), [nz]);
  check('leakyRelu (default slope)', (a) => a.leakyRelu(), [nz]);
  check('leakyRelu (slope 0.2)', (a) => a.leakyRelu(0.2), [nz]);
  check('softplus', (a) => a.softplus(), [x]);
  // beta 2, threshold 3: linear where 2x > 3, i.e. x > 1.5; values on both sides of it.
  check('softplus (beta 2, threshold 3), both regimes', (a) => a.softplus(2, 3), [
    uniform([3, 4], 42, -2, 3.5, [1.5], 0.1),
  ]);
  check('logSigmoid', (a) => a.logSigmoid(), [uniform([3, 4], 43, -6, 6)]);
  check('softmax dim 0', (a) => a.softmax(0), [x]);
  check('softmax dim 1', (a) => a.softmax(1), [x]);
  check('softmax dim -1 of 3-d', (a) => a.softmax(-1), [uniform([2, 2, 3], 44, -2, 2)]);
  check('logSoftmax dim 0', (a) => a.logSoftmax(0), [x]);
  check('logSoftmax dim 1', (a) => a.logSoftmax(1), [x]);
  check('logSoftmax dim -2 of 3-d', (a) => a.logSoftmax(-2), [uniform([2, 3, 2], 45, -2, 2)]);
  check('functional softmax', (a) => L.softmax(a, 1), [x]);
  check('functional logSoftmax', (a) => L.logSoftmax(a, 1), [x]);
});

describe('reductions', () => {
  const x = uniform([2, 3, 4], 50);
  const d = distinct([3, 4], 51);
  check('sum (all)', (a) => a.sum(), [x]);
  check('sum dim 1', (a) => a.sum(1), [x]);
  check('sum dims [0, 2] keepdim', (a) => a.sum([0, 2], true), [x]);
  check('sum dim -1 keepdim', (a) => a.sum(-1, true), [x]);
  check('mean (all)', (a) => a.mean(), [x]);
  check('mean dim 0', (a) => a.mean(0), [x]);
  check('mean dims [1, 2]', (a) => a.mean([1, 2]), [x]);
  check('mean dim -2 keepdim', (a) => a.mean(-2, true), [x]);
  check('max (all)', (a) => a.max(), [d]);
  check('min (all)', (a) => a.min(), [d]);
  check('maxDim values dim 1', (a) => a.maxDim(1).values, [d]);
  check('maxDim values dim 0 keepdim', (a) => a.maxDim(0, true).values, [d]);
  check('minDim values dim 1', (a) => a.minDim(1).values, [d]);
  check('minDim values dim -2 keepdim', (a) => a.minDim(-2, true).values, [d]);
  check('logsumexp dim 1', (a) => a.logsumexp(1), [x]);
  check('logsumexp dims [0, 2] keepdim', (a) => a.logsumexp([0, 2], true), [x]);
  // exp(720) overflows float64: only a stable logsumexp gives finite values and gradients here.
  check('logsumexp of values whose exp overflows (stable)', (a) => a.logsumexp(0), [uniform([3, 2], 52, 720, 722)]);
  check('var (all, unbiased)', (a) => a.var(), [x]);
  check('var dim 1, correction 0', (a) => a.var(1, { correction: 0 }), [x]);
  check('var dims [0, 2], keepdim', (a) => a.var([0, 2], { keepdim: true }), [x]);
  check('std (all, unbiased)', (a) => a.std(), [x]);
  check('std dim 2, correction 0', (a) => a.std(2, { correction: 0 }), [x]);
  check('std dims [0, 1], keepdim', (a) => a.std([0, 1], { keepdim: true }), [x]);
  check('norm p=2', (a) => a.norm(), [x]);
  check('norm p=1', (a) => a.norm(1), [awayFromZero([2, 3], 53)]);
  check('norm p=3', (a) => a.norm(3), [awayFromZero([2, 3], 54)]);
  check('norm p=inf', (a) => a.norm(Infinity), [distinct([2, 3], 55)]);
});

describe('linear algebra', () => {
  check('matmul 2-d', (a, b) => a.matmul(b), [uniform([2, 3], 60), uniform([3, 4], 61)]);
  check('matmul batched x 2-d (broadcast)', (a, b) => a.matmul(b), [uniform([2, 3, 4], 62), uniform([4, 2], 63)]);
  check('matmul batched x batched (broadcast batch)', (a, b) => a.matmul(b), [
    uniform([2, 1, 2, 3], 64),
    uniform([3, 3, 2], 65),
  ]);
  check('matmul vector x matrix', (a, b) => a.matmul(b), [uniform([3], 66), uniform([3, 4], 67)]);
  check('matmul matrix x vector', (a, b) => a.matmul(b), [uniform([2, 3], 68), uniform([3], 69)]);
  check('matmul vector . vector', (a, b) => a.matmul(b), [uniform([4], 70), uniform([4], 71)]);
  check('mm', (a, b) => a.mm(b), [uniform([3, 2], 72), uniform([2, 4], 73)]);
  check('mm of transposed operands', (a, b) => a.t().mm(b.t()), [uniform([2, 3], 74), uniform([4, 2], 75)]);
  check('bmm', (a, b) => a.bmm(b), [uniform([2, 3, 2], 76), uniform([2, 2, 3], 77)]);
});

describe('shape and indexing', () => {
  const x = uniform([2, 3, 4], 80);
  const m = uniform([4, 5], 81);
  check('reshape', (a) => a.reshape(4, -1).mul(f64(uniform([4, 6], 82))), [x]);
  check('view', (a) => a.view(6, 4).mul(f64(uniform([6, 4], 83))), [x]);
  check('permute', (a) => a.permute(2, 0, 1).mul(f64(uniform([4, 2, 3], 84))), [x]);
  check('transpose', (a) => a.transpose(0, 2).mul(f64(uniform([4, 3, 2], 85))), [x]);
  check('t', (a) => a.t().matmul(f64(uniform([4, 2], 86))), [m]);
  check(
    'contiguous after transpose',
    (a) =>
      a
        .transpose(0, 1)
        .contiguous()
        .view(20)
        .mul(f64(uniform([20], 87))),
    [m],
  );
  check('clone', (a) => a.clone().square(), [m]);
  check('double (identity cast) and to({dtype})', (a) => a.double().to({ dtype: 'float64' }).square(), [m]);
  check('slice', (a) => a.slice(1, 1, 4).square(), [m]);
  check('slice with step', (a) => a.slice(1, 0, 5, 2).square(), [m]);
  check('slice negative start, step 3', (a) => a.slice(0, -3, undefined, 2).square(), [m]);
  check('narrow', (a) => a.narrow(1, 2, 2).square(), [m]);
  check('select', (a) => a.select(0, 2).square(), [m]);
  check('select negative index', (a) => a.select(-1, -2).square(), [x]);
  check('indexSelect (repeated indices accumulate)', (a) => a.indexSelect(0, i64([3, 0, 3, 1])).square(), [m]);
  check('indexSelect dim 1', (a) => a.indexSelect(1, i64([4, 2, 2])).square(), [m]);
  check(
    'gather (repeated indices accumulate)',
    (a) => a.gather(1, i64([0, 4, 4, 1, 2, 2, 3, 0, 1, 1, 0, 4], [4, 3])).square(),
    [m],
  );
  check('gather dim 0', (a) => a.gather(0, i64([3, 0, 1, 1, 2, 2, 0, 3, 3, 1], [2, 5])).square(), [m]);
  check('squeeze (all)', (a) => a.squeeze().square(), [uniform([1, 3, 1, 2], 88)]);
  check('squeeze dim', (a) => a.squeeze(2).square(), [uniform([1, 3, 1, 2], 89)]);
  check('unsqueeze', (a) => a.unsqueeze(1).mul(f64(uniform([4, 3, 5], 90))), [m]);
  check('flatten', (a) => a.flatten().square(), [x]);
  check('flatten start..end', (a) => a.flatten(1, 2).mul(f64(uniform([2, 12], 91))), [x]);
  check('expand (new leading dim, -1)', (a) => a.expand(3, -1, 5).mul(f64(uniform([3, 2, 5], 92))), [
    uniform([2, 1], 93),
  ]);
  check('repeat', (a) => a.repeat(2, 1, 3).mul(f64(uniform([2, 2, 6], 94))), [uniform([2, 2], 95)]);
  check('split (uneven)', (a) => total(a.split(2, 1).map((p, i) => p.pow(i + 1).sum())), [m]);
  check(
    'split dim 0',
    (a) =>
      total(
        a.split(3, 0).map((p, i) =>
          p
            .mul(i + 2)
            .exp()
            .sum(),
        ),
      ),
    [m],
  );
  check('chunk', (a) => total(a.chunk(3, 1).map((p, i) => p.pow(i + 1).sum())), [m]);
  check(
    'chunk dim 0',
    (a) =>
      total(
        a.chunk(2, 0).map((p, i) =>
          p
            .sin()
            .mul(i - 0.5)
            .sum(),
        ),
      ),
    [m],
  );
});

describe('joining and selecting', () => {
  check('cat dim 0', (a, b, c) => L.cat([a, b, c], 0).square(), [
    uniform([1, 3], 100),
    uniform([2, 3], 101),
    uniform([3, 3], 102),
  ]);
  check('cat dim 1', (a, b) => L.cat([a, b], 1).square(), [uniform([2, 1], 103), uniform([2, 3], 104)]);
  check('cat of one tensor twice', (a) => L.cat([a, a.exp()], -1).square(), [uniform([2, 2], 105)]);
  check('stack dim 0', (a, b) => L.stack([a, b], 0).square(), [uniform([2, 3], 106), uniform([2, 3], 107)]);
  check('stack dim 2', (a, b, c) => L.stack([a, b, c], 2).square(), [
    uniform([2, 3], 108),
    uniform([2, 3], 109),
    uniform([2, 3], 110),
  ]);
  const cond = [1, 0, 0, 1, 1, 0];
  check('where tensor, tensor', (a, b) => L.where(f64(cond, [2, 3]).gt(0), a, b).square(), [
    uniform([2, 3], 111),
    uniform([2, 3], 112),
  ]);
  check('where, broadcast', (a, b) => L.where(f64([1, 0, 1], [3]).gt(0), a, b).square(), [
    uniform([2, 3], 113),
    uniform([2, 1], 114),
  ]);
  check('where scalar, tensor', (b) => L.where(f64(cond, [2, 3]).gt(0), 0.5, b).square(), [uniform([2, 3], 115)]);
  check('where tensor, scalar', (a) => L.where(f64(cond, [2, 3]).gt(0), a, -0.5).square(), [uniform([2, 3], 116)]);
  check('where with a condition computed from the input', (a) => L.where(a.gt(0), a.square(), a.exp()), [
    awayFromZero([2, 3], 117),
  ]);
});

describe('linear and convolution layers', () => {
  check('linear with bias', (x, w, b) => L.linear(x, w, b), [
    uniform([2, 3], 120),
    uniform([4, 3], 121),
    uniform([4], 122),
  ]);
  check('linear without bias', (x, w) => L.linear(x, w), [uniform([2, 3], 123), uniform([4, 3], 124)]);
  check('linear, 3-d input, null bias', (x, w) => L.linear(x, w, null), [
    uniform([2, 2, 3], 125),
    uniform([2, 3], 126),
  ]);
  check('linear, 3-d input with bias', (x, w, b) => L.linear(x, w, b), [
    uniform([2, 2, 3], 127),
    uniform([2, 3], 128),
    uniform([2], 129),
  ]);
  check('linear, 1-d input', (x, w, b) => L.linear(x, w, b), [
    uniform([3], 130),
    uniform([2, 3], 131),
    uniform([2], 132),
  ]);

  check('conv2d', (x, w, b) => L.conv2d(x, w, b), [
    uniform([1, 2, 4, 4], 140),
    uniform([2, 2, 3, 3], 141),
    uniform([2], 142),
  ]);
  check('conv2d without bias', (x, w) => L.conv2d(x, w), [uniform([2, 1, 3, 3], 143), uniform([2, 1, 2, 2], 144)]);
  check('conv2d stride 2, padding 1', (x, w, b) => L.conv2d(x, w, b, { stride: 2, padding: 1 }), [
    uniform([1, 2, 5, 5], 145),
    uniform([3, 2, 3, 3], 146),
    uniform([3], 147),
  ]);
  check('conv2d groups 2', (x, w, b) => L.conv2d(x, w, b, { groups: 2 }), [
    uniform([1, 4, 3, 3], 148),
    uniform([2, 2, 2, 2], 149),
    uniform([2], 150),
  ]);
  check('conv2d depthwise (groups = channels), padding 1', (x, w) => L.conv2d(x, w, null, { groups: 2, padding: 1 }), [
    uniform([1, 2, 3, 3], 151),
    uniform([2, 1, 3, 3], 152),
  ]);
  check(
    'conv2d asymmetric stride/padding, dilation 2',
    (x, w) => L.conv2d(x, w, null, { stride: [1, 2], padding: [2, 1], dilation: 2 }),
    [uniform([1, 1, 5, 5], 153), uniform([2, 1, 2, 2], 154)],
  );

  check('convTranspose2d', (x, w, b) => L.convTranspose2d(x, w, b), [
    uniform([1, 2, 3, 3], 160),
    uniform([2, 2, 2, 2], 161),
    uniform([2], 162),
  ]);
  check(
    'convTranspose2d stride 2, padding 1, outputPadding 1',
    (x, w, b) => L.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }),
    [uniform([1, 2, 3, 3], 163), uniform([2, 1, 3, 3], 164), uniform([1], 165)],
  );
  check(
    'convTranspose2d stride 2 (DCGAN upsampling), no bias',
    (x, w) => L.convTranspose2d(x, w, null, { stride: 2, padding: 1 }),
    [uniform([2, 2, 2, 2], 166), uniform([2, 1, 4, 4], 167)],
  );
  check('convTranspose2d groups 2', (x, w, b) => L.convTranspose2d(x, w, b, { groups: 2, stride: 2 }), [
    uniform([1, 2, 2, 2], 168),
    uniform([2, 2, 2, 2], 169),
    uniform([4], 170),
  ]);
  check(
    'convTranspose2d asymmetric stride/outputPadding',
    (x, w) => L.convTranspose2d(x, w, null, { stride: [2, 3], padding: [0, 1], outputPadding: [1, 2] }),
    [uniform([1, 1, 2, 3], 171), uniform([1, 2, 2, 3], 172)],
  );
});

describe('pooling and resampling', () => {
  const x = distinct([1, 2, 4, 4], 180);
  check('maxPool2d kernel 2', (a) => L.maxPool2d(a, 2), [x]);
  check(
    'maxPool2d kernel 3, stride 2, padding 1 (overlapping windows)',
    (a) => L.maxPool2d(a, 3, { stride: 2, padding: 1 }),
    [distinct([1, 1, 5, 5], 181)],
  );
  check('maxPool2d kernel 2, stride 1, dilation 2', (a) => L.maxPool2d(a, 2, { stride: 1, dilation: 2 }), [
    distinct([1, 1, 4, 4], 182),
  ]);
  check('maxPool2d ceilMode', (a) => L.maxPool2d(a, 2, { ceilMode: true }), [distinct([1, 1, 5, 5], 183)]);
  check('avgPool2d kernel 2', (a) => L.avgPool2d(a, 2), [uniform([1, 2, 4, 4], 184)]);
  check('avgPool2d kernel 3, stride 2, padding 1', (a) => L.avgPool2d(a, 3, { stride: 2, padding: 1 }), [
    uniform([1, 1, 5, 5], 185),
  ]);
  check('avgPool2d ceilMode, [2,1] kernel', (a) => L.avgPool2d(a, [2, 1], { ceilMode: true }), [
    uniform([2, 1, 3, 3], 186),
  ]);
  check('interpolate nearest, scale 2', (a) => L.interpolate(a, { scaleFactor: 2 }), [uniform([1, 2, 2, 3], 187)]);
  check('interpolate nearest, size', (a) => L.interpolate(a, { size: [5, 2], mode: 'nearest' }), [
    uniform([1, 1, 3, 3], 188),
  ]);
  check('interpolate bilinear, scale 2', (a) => L.interpolate(a, { scaleFactor: 2, mode: 'bilinear' }), [
    uniform([1, 2, 2, 3], 189),
  ]);
  check(
    'interpolate bilinear, scale 2, alignCorners',
    (a) => L.interpolate(a, { scaleFactor: 2, mode: 'bilinear', alignCorners: true }),
    [uniform([1, 1, 3, 3], 190)],
  );
  check('interpolate bilinear, size (down and up)', (a) => L.interpolate(a, { size: [2, 5], mode: 'bilinear' }), [
    uniform([1, 1, 4, 3], 191),
  ]);
  check('interpolate bilinear, scale 0.5', (a) => L.interpolate(a, { scaleFactor: 0.5, mode: 'bilinear' }), [
    uniform([1, 1, 4, 4], 192),
  ]);
});

describe('normalisation, dropout and embedding', () => {
  const x4 = uniform([2, 3, 2, 2], 200, -2, 2);
  const x2 = uniform([4, 3], 201, -2, 2);
  const w = positive([3], 202);
  const b = uniform([3], 203);
  check(
    'batchNorm training with weight and bias (4-d)',
    (x, wt, bs) => L.batchNorm(x, null, null, { weight: wt, bias: bs, training: true }),
    [x4, w, b],
  );
  check(
    'batchNorm training with weight and bias (2-d)',
    (x, wt, bs) => L.batchNorm(x, null, null, { weight: wt, bias: bs, training: true }),
    [x2, w, b],
  );
  check('batchNorm training without affine parameters', (x) => L.batchNorm(x, null, null, { training: true }), [x4]);
  check(
    'batchNorm training updating running stats',
    (x, wt, bs) =>
      L.batchNorm(x, f64([0.1, -0.2, 0.3]), f64([1, 2, 0.5]), {
        weight: wt,
        bias: bs,
        training: true,
        momentum: 0.2,
        eps: 1e-3,
      }),
    [x4, w, b],
  );
  check(
    'batchNorm eval with running stats, weight and bias',
    (x, wt, bs) => L.batchNorm(x, f64([0.1, -0.2, 0.3]), f64([1, 2, 0.5]), { weight: wt, bias: bs, training: false }),
    [x4, w, b],
  );
  check(
    'batchNorm eval with running stats, no affine',
    (x) => L.batchNorm(x, f64([0.1, -0.2, 0.3]), f64([1, 2, 0.5])),
    [x2],
  );

  test('dropout p=0.4 (mask reseeded on every evaluation)', () => {
    const p = 0.4;
    const r = runCheck(
      'dropout p=0.4 (mask reseeded on every evaluation)',
      (x) => {
        L.manualSeed(7);
        return L.dropout(x, p);
      },
      [uniform([4, 5], 204)],
    );
    // The mask must really drop some elements and scale the others by 1 / (1 - p).
    const dropped = r.analytic[0]!.filter((g) => g === 0).length;
    assert.ok(dropped > 0 && dropped < 20, `${dropped} of 20 elements dropped`);
    const weightsOfOutputs = Array.from({ length: 20 }, (_, i) => Math.sin(12.9898 * (i + 1)) * 0.9 + 0.1);
    r.analytic[0]!.forEach((g, i) => assert.ok(g === 0 || Math.abs(g - weightsOfOutputs[i]! / (1 - p)) < 1e-12));
  });
  check('dropout in eval mode is the identity', (x) => L.dropout(x, 0.4, false).square(), [uniform([4, 5], 205)]);

  check('embedding (gradient w.r.t. weight, repeated rows)', (wt) => L.embedding(wt, i64([1, 3, 1, 0, 3, 3], [2, 3])), [
    uniform([5, 2], 206),
  ]);
});

describe('losses', () => {
  const logits = uniform([3, 4], 210, -3, 3);
  const target01 = uniform([3, 4], 211, 0, 1);
  const probs = uniform([3, 4], 212, 0.05, 0.95);
  const reductions: L.ReductionName[] = ['mean', 'sum', 'none'];
  for (const r of reductions) {
    check(`binaryCrossEntropyWithLogits (${r})`, (x) => L.binaryCrossEntropyWithLogits(x, f64(target01), r), [logits]);
    check(
      `binaryCrossEntropyWithLogits (${r}), gradient w.r.t. target too`,
      (x, t) => L.binaryCrossEntropyWithLogits(x, t, r),
      [logits, target01],
    );
    check(`binaryCrossEntropy (${r})`, (p) => L.binaryCrossEntropy(p, f64(target01), r), [probs]);
    check(`binaryCrossEntropy (${r}), gradient w.r.t. target too`, (p, t) => L.binaryCrossEntropy(p, t, r), [
      probs,
      target01,
    ]);
    check(`mseLoss (${r})`, (x, t) => L.mseLoss(x, t, r), [logits, uniform([3, 4], 213, -3, 3)]);
    check(`crossEntropy (${r})`, (x) => L.crossEntropy(x, i64([2, 0, 3]), r), [logits]);
    check(`crossEntropy (${r}), label smoothing 0.1`, (x) => L.crossEntropy(x, i64([1, 1, 0]), r, 0.1), [logits]);
  }
  // exp(+-750) over- or underflows float64: only the stable form gives finite values and gradients.
  check(
    'binaryCrossEntropyWithLogits of logits whose exp overflows (stable)',
    (x) => L.binaryCrossEntropyWithLogits(x, f64([1, 0, 0.3, 0.9]), 'sum'),
    [f64Input([750, -740, 745, -2], [4])],
  );
  check('mseLoss with broadcast target constant', (x) => L.mseLoss(x, f64([0.5, -0.5, 1, 0]), 'mean'), [
    uniform([4], 214),
  ]);
  check('crossEntropy ignores label -100', (x) => L.crossEntropy(x, i64([2, -100, 3])), [logits]);
});

describe('composites', () => {
  check(
    'VAE loss: encoder, reparameterisation, decoder, BCE + KL',
    (x, we, wd) => {
      const h = L.linear(x, we);
      const [mu, logvar] = h.chunk(2, 1) as [Tensor, Tensor];
      const z = mu.add(
        logvar
          .mul(0.5)
          .exp()
          .mul(f64(uniform([2, 2], 221))),
      );
      const recon = L.linear(z, wd).sigmoid();
      const bce = L.binaryCrossEntropy(recon, f64(uniform([2, 4], 222, 0, 1)), 'sum');
      const kl = logvar.add(1).sub(mu.square()).sub(logvar.exp()).sum().mul(-0.5);
      return bce.add(kl);
    },
    [uniform([2, 4], 223, 0, 1), uniform([4, 4], 224), uniform([4, 2], 225)],
  );
  check(
    'DCGAN discriminator: conv, leakyRelu, batchNorm, flatten, linear, BCE with logits',
    (x, wc, gamma, wl) => {
      const h = L.conv2d(x, wc, null, { stride: 2, padding: 1 }).leakyRelu(0.2);
      const n = L.batchNorm(h, null, null, { weight: gamma, training: true });
      const logits = L.linear(n.flatten(1), wl);
      return L.binaryCrossEntropyWithLogits(logits, f64([1, 0, 1], [3, 1]));
    },
    [uniform([3, 1, 4, 4], 226), uniform([2, 1, 3, 3], 227), positive([2], 228), uniform([1, 8], 229)],
  );
});

describe('second order (createGraph)', () => {
  // A tiny critic f(x) = sum(tanh(x W1) W2); WGAN-GP differentiates ||df/dx||^2 w.r.t. the weights.
  const critic = (x: Tensor, w1: Tensor, w2: Tensor): Tensor => x.matmul(w1).tanh().matmul(w2).sum();
  const xIn = uniform([2, 3], 300);
  const w1In = uniform([3, 4], 301);
  const w2In = uniform([4, 1], 302);

  test('d/dW1 of ||df/dx||^2 matches central differences of the first-order gradient', () => {
    const penalty = (w1: Tensor): Tensor => {
      const x = f64(xIn);
      needGrad(x);
      const [g] = L.grad(critic(x, w1, f64(w2In)), [x], { createGraph: true });
      return g!.square().sum();
    };
    const r = runCheck('gradient penalty ||df/dx||^2, d/dW1', penalty, [w1In]);
    // And by hand: the finite differences of the penalty itself, computed here without gradcheck.
    const eps = 1e-6;
    const value = (w1: number[]): number =>
      L.tidy(() => {
        const x = needGrad(f64(xIn));
        const [g] = L.grad(critic(x, f64(w1, w1In.shape), f64(w2In)), [x], { createGraph: false });
        return g!.square().sum().item();
      });
    const manual = w1In.data.map((_, k) => {
      const plus = [...w1In.data];
      const minus = [...w1In.data];
      plus[k]! += eps;
      minus[k]! -= eps;
      return (value(plus) - value(minus)) / (2 * eps);
    });
    const analytic = L.tidy(() => {
      const w1 = L.tensor(Float64Array.from(w1In.data), { shape: w1In.shape, requiresGrad: true });
      const x = needGrad(f64(xIn));
      const [g] = L.grad(critic(x, w1, f64(w2In)), [x], { createGraph: true });
      const [gw] = L.grad(g!.square().sum(), [w1]);
      return gw!.toArray();
    });
    const scale = Math.max(...manual.map(Math.abs));
    const err = Math.max(...analytic.map((v, k) => Math.abs(v - manual[k]!))) / scale;
    assert.ok(scale > 1e-3 && err < TOL, `second-order gradient off by ${err} (scale ${scale})`);
    assert.ok(r.maxRelError < TOL);
    assert.equal(L.isGradEnabled(), true);
  });

  check(
    'gradient penalty ||df/dx||^2 w.r.t. W1, W2 and x together',
    (x, w1, w2) => {
      const [g] = L.grad(critic(needGrad(x), w1, w2), [x], { createGraph: true });
      return g!.square().sum();
    },
    [xIn, w1In, w2In],
  );

  check(
    'WGAN-GP: mean((||grad D(lerp(real, fake))||_2 - 1)^2), through a non-leaf input',
    (fake, w1, w2) => {
      const real = f64(uniform([2, 3], 303));
      needGrad(fake);
      const xhat = real.lerp(fake, 0.35);
      // A smooth critic: with a piecewise-linear one the penalty would not depend on fake.
      const d = xhat.matmul(w1).softplus().matmul(w2);
      const [g] = L.grad(d.sum(), [xhat], { createGraph: true });
      return g!.square().sum(1).sqrt().sub(1).square().mean();
    },
    [uniform([2, 3], 304), w1In, w2In],
  );

  /**
   * Second order for one op: the first gradient of sum(f(xs) * v) w.r.t. every input (made
   * with createGraph), flattened and concatenated, is itself gradient-checked.
   */
  const firstGrad =
    (f: Fn): Fn =>
    (...xs) => {
      xs.forEach(needGrad);
      const y = f(...xs);
      const v = f64(
        Array.from({ length: y.numel }, (_, i) => Math.cos(3.7 * i + 1)),
        y.shape,
      );
      const gs = L.grad(y.mul(v).sum(), xs, { createGraph: true, allowUnused: true });
      return L.cat(gs.map((g, i) => (g ?? L.zerosLike(xs[i]!)).reshape(-1)));
    };
  const gg = (name: string, f: Fn, inputs: Input[]): void => check(`grad of grad: ${name}`, firstGrad(f), inputs);
  const u = (shape: number[], seed: number): Input => uniform(shape, 400 + seed, -1.5, 1.5);

  gg('mul', (a, b) => a.mul(b), [u([2, 3], 1), u([2, 3], 2)]);
  gg('div', (a, b) => a.div(b), [u([2, 3], 3), positive([2, 3], 404)]);
  gg('pow scalar', (a) => a.pow(3), [u([2, 3], 5)]);
  gg('pow tensor^tensor', (a, b) => a.pow(b), [positive([2, 3], 406), u([2, 3], 7)]);
  gg('exp, log, sqrt', (a) => a.exp().add(a.square().add(1).log()).add(a.square().add(0.5).sqrt()), [u([2, 3], 8)]);
  gg(
    'sin, cos, reciprocal, rsqrt',
    (a) => a.sin().mul(a.cos()).add(a.square().add(1).reciprocal()).add(a.square().add(1).rsqrt()),
    [u([2, 3], 9)],
  );
  gg('tanh', (a) => a.tanh(), [u([2, 3], 10)]);
  gg('sigmoid', (a) => a.sigmoid(), [u([2, 3], 11)]);
  gg('softplus', (a) => a.softplus(), [u([2, 3], 12)]);
  gg('logSigmoid', (a) => a.logSigmoid(), [u([2, 3], 13)]);
  gg('leakyRelu (times a second input)', (a, b) => a.leakyRelu(0.2).mul(b), [awayFromZero([2, 3], 414), u([2, 3], 15)]);
  gg('relu (times a second input)', (a, b) => a.relu().mul(b), [awayFromZero([2, 3], 416), u([2, 3], 17)]);
  gg('softmax', (a) => a.softmax(1), [u([2, 3], 18)]);
  gg('logSoftmax', (a) => a.logSoftmax(1), [u([2, 3], 19)]);
  gg('logsumexp', (a) => a.logsumexp(1), [u([2, 3], 20)]);
  gg('var, std, norm', (a) => a.var().add(a.std(1)).add(a.norm()), [u([2, 3], 21)]);
  gg('matmul', (a, b) => a.matmul(b), [u([2, 3], 22), u([3, 2], 23)]);
  gg('linear with bias (times input)', (x, w, b) => L.linear(x, w, b).mul(x.sum(1, true)), [
    u([2, 3], 24),
    u([2, 3], 25),
    u([2], 26),
  ]);
  gg('conv2d', (x, w) => L.conv2d(x, w, null, { padding: 1 }), [u([1, 1, 3, 3], 27), u([2, 1, 2, 2], 28)]);
  gg('convTranspose2d', (x, w) => L.convTranspose2d(x, w, null, { stride: 2 }), [
    u([1, 1, 2, 2], 29),
    u([1, 2, 2, 2], 30),
  ]);
  gg('maxPool2d (times a second input)', (a, b) => L.maxPool2d(a, 2).mul(b), [
    distinct([1, 1, 4, 4], 431),
    u([1, 1, 2, 2], 32),
  ]);
  gg('avgPool2d (squared)', (a) => L.avgPool2d(a, 2).square(), [u([1, 1, 4, 4], 33)]);
  gg('interpolate bilinear (squared)', (a) => L.interpolate(a, { scaleFactor: 2, mode: 'bilinear' }).square(), [
    u([1, 1, 2, 2], 34),
  ]);
  // tanh after it, so that the first gradient depends on the bias too.
  gg('batchNorm training', (x, w, b) => L.batchNorm(x, null, null, { weight: w, bias: b, training: true }).tanh(), [
    u([4, 2], 35),
    positive([2], 436),
    u([2], 37),
  ]);
  gg('mseLoss', (a, b) => L.mseLoss(a, b), [u([2, 3], 38), u([2, 3], 39)]);
  gg('binaryCrossEntropyWithLogits', (a) => L.binaryCrossEntropyWithLogits(a, f64(uniform([2, 3], 440, 0, 1)), 'sum'), [
    u([2, 3], 41),
  ]);
  gg('binaryCrossEntropy', (p) => L.binaryCrossEntropy(p, f64(uniform([2, 3], 442, 0, 1))), [
    uniform([2, 3], 443, 0.1, 0.9),
  ]);
  gg('crossEntropy', (a) => L.crossEntropy(a, i64([2, 0])), [u([2, 3], 44)]);
});

describe('the checker itself', () => {
  test('a deliberately wrong gradient (detach) fails the check by a wide margin', () => {
    const x = uniform([2, 3], 500, 0.5, 2);
    const live = L.liveTensors();
    // d/dx of x * detach(x) is taken as x instead of 2x: half the true gradient.
    const half = L.gradcheck((a) => a.mul(a.detach()), [x]);
    assert.ok(half.maxRelError > 0.1, `maxRelError ${half.maxRelError} should be about 0.5`);
    half.analytic[0]!.forEach((v, k) =>
      assert.ok(Math.abs(v * 2 - half.numeric[0]![k]!) < 1e-6 * Math.max(1, Math.abs(v))),
    );
    // A detached input gets no gradient at all, but the value depends on it.
    const cut = L.gradcheck((a, b) => a.mul(b.detach().exp()), [x, uniform([2, 3], 501)]);
    assert.ok(cut.maxRelError > 0.5, `maxRelError ${cut.maxRelError} should be about 1`);
    assert.ok(cut.analytic[1]!.every((v) => v === 0));
    assert.equal(L.liveTensors(), live);
    assert.equal(L.isGradEnabled(), true);
  });

  test('Tensor.backward gives the gradient L.grad gives, and the checker accepts it', () => {
    const xIn = uniform([3, 2], 510);
    const wIn = uniform([2, 2], 511);
    const f = (x: Tensor, w: Tensor): Tensor => x.matmul(w).tanh().square().sum(1);
    const r = runCheck('backward vs grad', f, [xIn, wIn]);
    L.tidy(() => {
      const x = L.tensor(Float64Array.from(xIn.data), { shape: xIn.shape, requiresGrad: true });
      const w = L.tensor(Float64Array.from(wIn.data), { shape: wIn.shape, requiresGrad: true });
      const y = f(x, w);
      // gradcheck weights the outputs with sin(12.9898 (i + 1)) * 0.9 + 0.1.
      const v = f64(Array.from({ length: y.numel }, (_, i) => Math.sin(12.9898 * (i + 1)) * 0.9 + 0.1));
      y.mul(v).sum().backward();
      const gx = x.grad!.toArray();
      const gw = w.grad!.toArray();
      gx.forEach((g, k) => assert.ok(Math.abs(g - r.numeric[0]![k]!) < 1e-6));
      gw.forEach((g, k) => assert.ok(Math.abs(g - r.numeric[1]![k]!) < 1e-6));
    });
    assert.equal(L.isGradEnabled(), true);
  });
});

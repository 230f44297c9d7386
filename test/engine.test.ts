import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as L from '../src/index.js';
import { assertClose } from './helpers.js';

test('tensors round-trip through typed arrays in every dtype', () => {
  const cases: [L.DType, ArrayLike<number | bigint>][] = [
    ['float32', new Float32Array([1.5, -2, 3])],
    ['float64', new Float64Array([1e-300, 2, Math.PI])],
    ['int64', new BigInt64Array([1n, -2n, 2n ** 40n])],
    ['int32', new Int32Array([1, -2, 2 ** 30])],
    ['uint8', new Uint8Array([0, 128, 255])],
  ];
  for (const [dtype, data] of cases) {
    const t = L.tensor(data as L.AnyTypedArray);
    assert.equal(t.dtype, dtype);
    assert.deepEqual(Array.from(t.toTypedArray() as ArrayLike<number | bigint>), Array.from(data));
    t.dispose();
  }
  const b = L.tensor([1, 0, 1], { dtype: 'bool' });
  assert.equal(b.dtype, 'bool');
  assert.deepEqual(b.toArray(), [1, 0, 1]);
});

test('nested arrays give their shape; bad sizes are refused', () => {
  const t = L.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.deepEqual(t.transpose(0, 1).contiguous().toArray(), [1, 4, 2, 5, 3, 6]);
  assert.throws(() => L.tensor([1, 2, 3], { shape: [2, 2] }), /3 values do not fill shape \[2, 2\]/);
});

test('a wrong-shape matmul throws an Error naming both shapes, and the process goes on', () => {
  const a = L.ones([2, 3]);
  assert.throws(
    () => a.matmul(a),
    (e: Error) =>
      e instanceof Error &&
      /aten::matmul/.test(e.message) &&
      /2x3 and 2x3/.test(e.message) &&
      /self=\[2, 3\] float32, other=\[2, 3\] float32/.test(e.message),
  );
  assert.deepEqual(a.matmul(a.t()).toArray(), [3, 3, 3, 3]);
});

test('libtorch errors of every kind become JS errors', () => {
  const x = L.ones([2, 2]);
  assert.throws(() => x.view(3), /shape '\[3\]' is invalid for input of size 4/);
  assert.throws(() => x.indexSelect(0, L.tensor([5], { dtype: 'int64' })), /index out of range|out of bounds/i);
  assert.throws(() => x.add(L.ones([3])), /size of tensor a \(2\) must match the size of tensor b \(3\)/);
  assert.throws(() => L.call('add.Tensor', x.handle, 'nope'), /argument 'other' expects Tensor, got string/);
  assert.throws(() => L.call('no_such_op'), /no ATen operator aten::no_such_op/);
  x.dispose();
  assert.throws(() => x.add(1), /already disposed/);
});

test('elementwise ops, reductions and shape ops give the known values', () => {
  const x = L.tensor([
    [1, -2],
    [3, 4],
  ]);
  assert.deepEqual(x.abs().toArray(), [1, 2, 3, 4]);
  assert.deepEqual(x.clamp(0, 3).toArray(), [1, 0, 3, 3]);
  assert.deepEqual(x.sum(1).toArray(), [-1, 7]);
  assert.deepEqual(x.mean(0, true).shape, [1, 2]);
  assert.equal(x.max().item(), 4);
  assert.deepEqual(x.argmax(1).toArray(), [0, 1]);
  const { values, indices } = x.minDim(0);
  assert.deepEqual(
    [values.toArray(), indices.toArray()],
    [
      [1, -2],
      [0, 0],
    ],
  );
  assertClose(x.logsumexp(1).toArray(), [Math.log(Math.exp(1) + Math.exp(-2)), Math.log(Math.exp(3) + Math.exp(4))]);
  assertClose(x.var().toArray(), [(2.5 ** 2 + 3.5 ** 2 + 0.5 ** 2 + 1.5 ** 2) / 3]);
  assert.deepEqual(L.cat([x, x], 0).shape, [4, 2]);
  assert.deepEqual(L.stack([x, x], 2).shape, [2, 2, 2]);
  assert.deepEqual(x.slice(1, 1).toArray(), [-2, 4]);
  assert.deepEqual(x.gather(1, L.tensor([[1], [0]], { dtype: 'int64' })).toArray(), [-2, 3]);
  assert.deepEqual(L.where(x.gt(0), x, 0).toArray(), [1, 0, 3, 4]);
  assert.deepEqual(x.unsqueeze(0).expand(3, -1, -1).shape, [3, 2, 2]);
  assert.deepEqual(x.repeat(1, 2).toArray(), [1, -2, 1, -2, 3, 4, 3, 4]);
  assert.deepEqual(x.flatten().squeeze().shape, [4]);
  assert.deepEqual(x.permute(1, 0).reshape(4).toArray(), [1, 3, -2, 4]);
  assert.deepEqual(L.arange(5).toArray(), [0, 1, 2, 3, 4]);
  assert.equal(L.arange(5).dtype, 'int64');
  assert.deepEqual(L.full([2], 7).toArray(), [7, 7]);
});

test('tidy frees what the function made and keeps what it returns', () => {
  const before = L.liveTensors();
  const kept = L.tidy(() => {
    const a = L.randn([10, 10]);
    const b = a.mul(2).add(1);
    a.sum();
    return { b, list: [b.exp()] };
  });
  assert.equal(L.liveTensors(), before + 2);
  L.disposeAll(kept);
  assert.equal(L.liveTensors(), before);
  assert.throws(() =>
    L.tidy(() => {
      L.ones([3]);
      throw new Error('boom');
    }),
  );
  assert.equal(L.liveTensors(), before, 'a throwing scope still frees its tensors');
  {
    using t = L.ones([4]);
    assert.equal(L.liveTensors(), before + 1);
    assert.equal(t.sum().item(), 4);
  }
});

test('a training step leaks no tensor', () => {
  const w = L.keep(L.randn([8, 4], { requiresGrad: true }));
  const opt = new L.optim.Adam([w]);
  const step = (): void =>
    L.tidy(() => {
      opt.zeroGrad();
      const loss = L.randn([16, 8]).matmul(w).square().mean();
      loss.backward();
      opt.step();
    });
  step();
  const live = L.liveTensors();
  for (let i = 0; i < 20; i++) step();
  assert.equal(L.liveTensors(), live);
});

test('seeds replay random draws; the RNG state restores exactly', () => {
  L.manualSeed(42);
  const a = L.randn([5]).toArray();
  L.manualSeed(42);
  assert.deepEqual(L.randn([5]).toArray(), a);
  const state = L.getRngState();
  const b = L.rand([5]).toArray();
  L.setRngState(state);
  assert.deepEqual(L.rand([5]).toArray(), b);
});

test('autograd: backward, grad, noGrad and detach', () => {
  const x = L.tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(x).sum();
  y.backward();
  assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
  const [g] = L.grad(x.pow(3).sum(), [x]);
  assert.deepEqual(g!.toArray(), [3, 12, 27]);
  const z = L.noGrad(() => x.mul(2));
  assert.equal(z.requiresGrad, false);
  assert.equal(x.mul(2).detach().requiresGrad, false);
  assert.equal(L.isGradEnabled(), true);
});

test('second-order gradients through createGraph', () => {
  // f = sum(x^3); df/dx = 3x^2; d/dx sum(df/dx) = 6x.
  const x = L.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
  const [g] = L.grad(x.pow(3).sum(), [x], { createGraph: true });
  const [gg] = L.grad(g!.sum(), [x]);
  assert.deepEqual(gg!.toArray(), [6, 12]);
});

test('async reads and build information', async () => {
  const t = L.arange(6, undefined, 1, { dtype: 'float32' });
  assert.deepEqual(await t.data(), [0, 1, 2, 3, 4, 5]);
  const info = L.buildInfo();
  assert.match(info.version, /^\d+\.\d+/);
  assert.ok(L.getNumThreads() >= 1);
});

test('every operator latentlab calls exists in this libtorch', async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const ops = new Set(L.listOps());
  const files = ['src/tensor', 'src/tensor/optim', 'src/nn'].flatMap((d) =>
    fs
      .readdirSync(d)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(d, f)),
  );
  const used = new Set<string>();
  for (const f of files)
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/call(?:Many|Inplace|Named)?\('([a-z_0-9.]+)'/g))
      used.add(m[1]!);
  assert.ok(used.size > 80, `found only ${used.size} operator names`);
  for (const op of used) {
    const name = op.includes('.') ? `aten::${op}` : `aten::${op}`;
    assert.ok(ops.has(name), `operator ${name} is not in this libtorch`);
  }
});

test('forgotten tensors are freed by garbage collection, even inside a synchronous loop', async () => {
  const { spawnSync } = await import('node:child_process');
  const script = `
    const L = await import(${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)});
    const before = L.liveTensors();
    let peak = 0;
    for (let i = 0; i < 20000; i++) {                 // never disposed, never yielding
      L.randn([100, 100]).mul(2);
      peak = Math.max(peak, L.liveTensors() - before);
    }
    globalThis.gc();
    console.log(JSON.stringify({ made: 40000, peak, left: L.liveTensors() - before }));`;
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const { made, peak, left } = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    made: number;
    peak: number;
    left: number;
  };
  assert.ok(peak < made / 4, `${peak} of ${made} forgotten tensors alive at once: collection did not keep up`);
  assert.ok(left < 100, `${left} forgotten tensors still alive after gc`);
});

test('the OpenBLAS kernels are chosen from the CPU flags, unless the user chose', async () => {
  const { openblasCoreFor, cpuFlags } = await import('../src/binding/native.js');
  assert.equal(openblasCoreFor(new Set(['avx2', 'fma', 'avx512f', 'avx512bw', 'avx512dq', 'avx512vl'])), 'SkylakeX');
  assert.equal(openblasCoreFor(new Set(['avx2', 'fma', 'avx512f'])), 'Haswell');
  assert.equal(openblasCoreFor(new Set(['sse3'])), null);
  const want = openblasCoreFor(cpuFlags());
  if (want) assert.ok(process.env.OPENBLAS_CORETYPE, 'set before the addon loaded OpenBLAS');
});

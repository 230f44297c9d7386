/**
 * nn layers against PyTorch 1.13 (float32): golden outputs, input and parameter gradients and
 * BatchNorm buffers for Conv2d, ConvTranspose2d, BatchNorm1d/2d, Dropout, MaxPool2d,
 * AvgPool2d, Upsample, Flatten, Unflatten and Reshape; default initialisations; state-dict
 * names of a Sequential; train()/eval(); and the classic Keras conv autoencoder's shapes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as nn from '../src/nn/index.js';
import * as L from '../src/tensor/index.js';
import { assertClose, hasTorchPython, maxAbsDiff, runTorch } from './helpers.js';

const torchSkip = hasTorchPython()
  ? false
  : 'needs /usr/bin/python3 with torch (python3-torch), which is not installed';

interface Json {
  shape: number[];
  data: number[];
  dtype: string;
}
const J = (t: L.Tensor): Json => ({ shape: t.shape, data: t.toArray(), dtype: t.dtype });
const stateJson = (m: nn.Module): Record<string, Json> =>
  Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, J(t)]));

/** Python prelude: tensors to and from the JSON above. */
const PY = `
import json, sys, torch
from torch import nn
torch.set_num_threads(1)
def T(d): return torch.tensor(d['data'], dtype=getattr(torch, d['dtype'])).reshape(d['shape'])
def J(t): return {'shape': list(t.shape), 'data': t.detach().double().flatten().tolist(), 'dtype': str(t.dtype)[6:]}
inp = json.load(sys.stdin)
`;

/** Float32 closeness: |a - b| <= ATOL + RTOL |b|; the largest differences are reported. */
const ATOL = 1e-5;
const RTOL = 1e-5;

// ---------------------------------------------------------------------------------------
// 1. Golden values. Each case builds the layer here, sends its state and inputs to PyTorch,
// which loads them (load_state_dict, so the names must match) into the layer built by `py`.

type Mode = 'train' | 'eval';
interface Golden {
  name: string;
  make: () => nn.Layer;
  py: string;
  input: number[];
  /** Forward passes in order (default one in training mode); buffers are compared after each. */
  steps?: Mode[];
  /** Changes the fresh layer's state before it is exported (under noGrad). */
  setup?: (layer: nn.Layer) => void;
}

const BN_STEPS: Mode[] = ['train', 'train', 'eval'];
const perturbAffine = (l: nn.Layer): void => {
  const bn = l as nn.BatchNorm2d;
  bn.weight!.uniform_(0.5, 1.5);
  bn.bias!.normal_(0, 0.5);
};

const GOLDEN: Golden[] = [
  { name: 'Conv2d(3, 4, 3)', make: () => new nn.Conv2d(3, 4, 3), py: 'nn.Conv2d(3, 4, 3)', input: [2, 3, 7, 6] },
  {
    name: 'Conv2d rectangular, strided, padded, dilated, grouped',
    make: () => new nn.Conv2d(4, 6, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2 }),
    py: 'nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)',
    input: [2, 4, 9, 8],
  },
  {
    name: "Conv2d padding 'same', no bias",
    make: () => new nn.Conv2d(2, 3, 5, { padding: 'same', bias: false }),
    py: "nn.Conv2d(2, 3, 5, padding='same', bias=False)",
    input: [1, 2, 6, 7],
  },
  {
    name: "Conv2d depthwise, dilated, 'same'",
    make: () => new nn.Conv2d(3, 6, 3, { dilation: 2, padding: 'same', groups: 3 }),
    py: "nn.Conv2d(3, 6, 3, dilation=2, padding='same', groups=3)",
    input: [2, 3, 8, 8],
  },
  {
    name: "Conv2d padding 'valid', stride 2",
    make: () => new nn.Conv2d(3, 2, 4, { padding: 'valid', stride: 2 }),
    py: "nn.Conv2d(3, 2, 4, padding='valid', stride=2)",
    input: [2, 3, 10, 9],
  },
  {
    name: 'ConvTranspose2d(3, 4, 3)',
    make: () => new nn.ConvTranspose2d(3, 4, 3),
    py: 'nn.ConvTranspose2d(3, 4, 3)',
    input: [2, 3, 4, 5],
  },
  {
    name: 'ConvTranspose2d DCGAN 4/2/1',
    make: () => new nn.ConvTranspose2d(4, 2, 4, { stride: 2, padding: 1, bias: false }),
    py: 'nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1, bias=False)',
    input: [2, 4, 3, 3],
  },
  {
    name: 'ConvTranspose2d rectangular, output padding, grouped',
    make: () =>
      new nn.ConvTranspose2d(4, 6, [3, 2], { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2], groups: 2 }),
    py: 'nn.ConvTranspose2d(4, 6, (3, 2), stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2)',
    input: [1, 4, 3, 4],
  },
  {
    name: 'ConvTranspose2d dilated',
    make: () => new nn.ConvTranspose2d(2, 3, 3, { stride: 2, dilation: 2, outputPadding: 1 }),
    py: 'nn.ConvTranspose2d(2, 3, 3, stride=2, dilation=2, output_padding=1)',
    input: [1, 2, 3, 3],
  },
  {
    name: 'BatchNorm1d [N, C]',
    make: () => new nn.BatchNorm1d(5),
    py: 'nn.BatchNorm1d(5)',
    input: [8, 5],
    steps: BN_STEPS,
    setup: perturbAffine,
  },
  {
    name: 'BatchNorm1d [N, C, L]',
    make: () => new nn.BatchNorm1d(3),
    py: 'nn.BatchNorm1d(3)',
    input: [4, 3, 6],
    steps: BN_STEPS,
  },
  {
    name: 'BatchNorm2d',
    make: () => new nn.BatchNorm2d(3),
    py: 'nn.BatchNorm2d(3)',
    input: [4, 3, 5, 5],
    steps: BN_STEPS,
    setup: perturbAffine,
  },
  {
    name: 'BatchNorm2d momentum null (cumulative), eps 1e-3',
    make: () => new nn.BatchNorm2d(3, { momentum: null, eps: 1e-3 }),
    py: 'nn.BatchNorm2d(3, momentum=None, eps=1e-3)',
    input: [3, 3, 4, 4],
    steps: ['train', 'train', 'train', 'eval'],
  },
  {
    name: 'BatchNorm2d affine false',
    make: () => new nn.BatchNorm2d(3, { affine: false }),
    py: 'nn.BatchNorm2d(3, affine=False)',
    input: [4, 3, 3, 3],
    steps: BN_STEPS,
  },
  {
    name: 'BatchNorm2d trackRunningStats false',
    make: () => new nn.BatchNorm2d(3, { trackRunningStats: false, momentum: 0.3 }),
    py: 'nn.BatchNorm2d(3, track_running_stats=False, momentum=0.3)',
    input: [4, 3, 3, 3],
    steps: BN_STEPS,
  },
  {
    name: 'Dropout(0.3) (same seed, same libtorch generator)',
    make: () => new nn.Dropout(0.3),
    py: 'nn.Dropout(0.3)',
    input: [4, 50],
    steps: ['train', 'eval'],
  },
  { name: 'MaxPool2d(2)', make: () => new nn.MaxPool2d(2), py: 'nn.MaxPool2d(2)', input: [2, 3, 6, 7] },
  {
    name: 'MaxPool2d(3, stride 2, padding 1)',
    make: () => new nn.MaxPool2d(3, { stride: 2, padding: 1 }),
    py: 'nn.MaxPool2d(3, stride=2, padding=1)',
    input: [1, 2, 7, 8],
  },
  {
    name: 'MaxPool2d(2, ceilMode) (Keras same)',
    make: () => new nn.MaxPool2d(2, { ceilMode: true }),
    py: 'nn.MaxPool2d(2, ceil_mode=True)',
    input: [1, 2, 7, 7],
  },
  {
    name: 'MaxPool2d rectangular, dilated',
    make: () => new nn.MaxPool2d([2, 3], { stride: [1, 2], dilation: 2 }),
    py: 'nn.MaxPool2d((2, 3), stride=(1, 2), dilation=2)',
    input: [2, 2, 6, 9],
  },
  { name: 'AvgPool2d(2)', make: () => new nn.AvgPool2d(2), py: 'nn.AvgPool2d(2)', input: [2, 3, 6, 6] },
  {
    name: 'AvgPool2d(3, stride 2, padding 1, ceilMode)',
    make: () => new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
    py: 'nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)',
    input: [1, 2, 8, 7],
  },
  {
    name: 'Upsample nearest x2',
    make: () => new nn.Upsample({ scaleFactor: 2 }),
    py: 'nn.Upsample(scale_factor=2)',
    input: [1, 2, 3, 4],
  },
  {
    name: 'Upsample nearest x3',
    make: () => new nn.Upsample({ scaleFactor: 3, mode: 'nearest' }),
    py: "nn.Upsample(scale_factor=3, mode='nearest')",
    input: [2, 1, 2, 3],
  },
  {
    name: 'Upsample bilinear x2',
    make: () => new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }),
    py: "nn.Upsample(scale_factor=2, mode='bilinear')",
    input: [1, 2, 3, 4],
  },
  {
    name: 'Upsample bilinear to a size, alignCorners',
    make: () => new nn.Upsample({ size: [5, 7], mode: 'bilinear', alignCorners: true }),
    py: "nn.Upsample(size=(5, 7), mode='bilinear', align_corners=True)",
    input: [1, 2, 3, 4],
  },
  { name: 'Flatten()', make: () => new nn.Flatten(), py: 'nn.Flatten()', input: [2, 3, 4, 5] },
  { name: 'Flatten(0, 2)', make: () => new nn.Flatten(0, 2), py: 'nn.Flatten(0, 2)', input: [2, 3, 4, 5] },
  {
    name: 'Reshape(4, 3, 2) = Unflatten(1, [4, 3, 2])',
    make: () => new nn.Reshape(4, 3, 2),
    py: 'nn.Unflatten(1, (4, 3, 2))',
    input: [2, 24],
  },
  {
    name: 'Unflatten(-1, [2, 3])',
    make: () => new nn.Unflatten(-1, [2, 3]),
    py: 'nn.Unflatten(-1, (2, 3))',
    input: [2, 4, 6],
  },
];

interface StepOut {
  out: Json;
  grads: Record<string, Json>;
  buffers: Record<string, Json>;
}
interface Ours {
  state: Record<string, Json>;
  steps: (StepOut & { mode: Mode; x: Json; w: Json })[];
}

/** Runs a case here: fresh layer, then each step's output, d(sum(out * w))/d(input, params) and buffers. */
function runOurs(c: Golden, seed: number): Ours {
  return L.tidy(() => {
    L.manualSeed(seed);
    const layer = c.make();
    if (c.setup) L.noGrad(() => c.setup!(layer));
    const state = stateJson(layer);
    const steps = (c.steps ?? ['train']).map((mode, i) => {
      const x = L.randn(c.input).requiresGrad_();
      layer.train(mode === 'train');
      L.manualSeed(1000 + i); // the same draws as PyTorch's for Dropout
      const out = layer.forward(x);
      const w = L.randn(out.shape);
      const params = layer.namedParameters();
      const [gx, ...gp] = L.grad(out.mul(w).sum(), [x, ...params.map(([, p]) => p)]);
      const grads: Record<string, Json> = { input: J(gx!) };
      params.forEach(([k], j) => (grads[k] = J(gp[j]!)));
      return {
        mode,
        x: J(x),
        w: J(w),
        out: J(out),
        grads,
        buffers: Object.fromEntries(layer.namedBuffers().map(([k, t]) => [k, J(t)])),
      };
    });
    layer.dispose();
    return { state, steps };
  });
}

const PY_GOLDEN = `${PY}
results = []
for c in inp:
    layer = eval(c['py'])
    layer.load_state_dict({k: T(v) for k, v in c['state'].items()})
    params = dict(layer.named_parameters())
    steps = []
    for i, s in enumerate(c['steps']):
        layer.train(s['mode'] == 'train')
        x = T(s['x']).requires_grad_()
        torch.manual_seed(1000 + i)
        out = layer(x)
        names = list(params)
        gs = torch.autograd.grad((out * T(s['w'])).sum(), [x] + [params[n] for n in names])
        grads = {'input': J(gs[0])}
        grads.update({n: J(g) for n, g in zip(names, gs[1:])})
        steps.append({'out': J(out), 'grads': grads, 'buffers': {k: J(b) for k, b in layer.named_buffers()}})
    results.append(steps)
print(json.dumps(results))
`;

function compare(what: string, ours: Json, theirs: Json, worst: { diff: number; what: string }): void {
  assert.deepEqual(ours.shape, theirs.shape, `${what}: shape`);
  assert.equal(ours.dtype, theirs.dtype, `${what}: dtype`);
  if (ours.dtype === 'int64') assert.deepEqual(ours.data, theirs.data, what);
  else assertClose(ours.data, theirs.data, { atol: ATOL, rtol: RTOL, what });
  const d = maxAbsDiff(ours.data, theirs.data);
  if (d > worst.diff) Object.assign(worst, { diff: d, what });
}

test(
  'layers match PyTorch: outputs, input and parameter gradients, BatchNorm buffers',
  { skip: torchSkip },
  async (t) => {
    const ours = GOLDEN.map((c, i) => runOurs(c, 100 + i));
    const theirs = runTorch<StepOut[][]>(
      PY_GOLDEN,
      GOLDEN.map((c, i) => ({
        py: c.py,
        state: ours[i]!.state,
        steps: ours[i]!.steps.map(({ mode, x, w }) => ({ mode, x, w })),
      })),
    );
    const worst = { diff: 0, what: '' };
    for (const [i, c] of GOLDEN.entries()) {
      await t.test(c.name, () => {
        const o = ours[i]!;
        for (const [s, step] of o.steps.entries()) {
          const ref = theirs[i]![s]!;
          const at = `${c.name} step ${s} (${step.mode})`;
          compare(`${at} output`, step.out, ref.out, worst);
          assert.deepEqual(Object.keys(step.grads).sort(), Object.keys(ref.grads).sort(), `${at}: parameter names`);
          for (const k of Object.keys(ref.grads)) compare(`${at} grad ${k}`, step.grads[k]!, ref.grads[k]!, worst);
          assert.deepEqual(Object.keys(step.buffers).sort(), Object.keys(ref.buffers).sort(), `${at}: buffer names`);
          for (const k of Object.keys(ref.buffers))
            compare(`${at} buffer ${k}`, step.buffers[k]!, ref.buffers[k]!, worst);
        }
      });
    }
    t.diagnostic(`largest |difference| from PyTorch: ${worst.diff.toExponential(2)} (${worst.what})`);
    // The BatchNorm cases really moved their running statistics and counted their batches.
    const bn = ours[GOLDEN.findIndex((c) => c.name === 'BatchNorm2d')]!.steps;
    assert.deepEqual(
      bn.map((s) => s.buffers['num_batches_tracked']!.data),
      [[1], [2], [2]],
    );
    assert.ok(bn[0]!.buffers['running_mean']!.data.some((v) => Math.abs(v) > 1e-3));
  },
);

// ---------------------------------------------------------------------------------------
// 2. Default initialisations.

function stats(t: L.Tensor): { max: number; mean: number; std: number } {
  const a = t.toArray();
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const std = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
  return { max: Math.max(...a.map(Math.abs)), mean, std };
}

/** Checks U(-bound, bound): every value inside, the extremes near it, the std near bound/sqrt(3). */
function assertUniform(t: L.Tensor, bound: number, what: string): void {
  const s = stats(t);
  assert.ok(s.max <= bound, `${what}: max |value| ${s.max} > bound ${bound}`);
  if (t.numel >= 1000) {
    assert.ok(s.max > 0.99 * bound, `${what}: max |value| ${s.max} far below bound ${bound}`);
    assert.ok(
      Math.abs(s.std / (bound / Math.sqrt(3)) - 1) < 0.05,
      `${what}: std ${s.std}, expected ${bound / Math.sqrt(3)}`,
    );
    assert.ok(Math.abs(s.mean) < 0.05 * bound, `${what}: mean ${s.mean}`);
  } else {
    assert.ok(s.max > 0.5 * bound, `${what}: max |value| ${s.max} far below bound ${bound}`);
  }
}

test("default initialisations follow PyTorch's fans and distributions", { skip: torchSkip }, () => {
  L.manualSeed(7);
  const layers: [string, nn.Conv2d | nn.ConvTranspose2d, string][] = [
    ['Conv2d(16, 32, 3)', new nn.Conv2d(16, 32, 3), 'nn.Conv2d(16, 32, 3)'],
    [
      'Conv2d(16, 32, [5, 3], groups 4)',
      new nn.Conv2d(16, 32, [5, 3], { groups: 4 }),
      'nn.Conv2d(16, 32, (5, 3), groups=4)',
    ],
    ['ConvTranspose2d(16, 32, 3)', new nn.ConvTranspose2d(16, 32, 3), 'nn.ConvTranspose2d(16, 32, 3)'],
    [
      'ConvTranspose2d(64, 16, 4, groups 2)',
      new nn.ConvTranspose2d(64, 16, 4, { stride: 2, padding: 1, groups: 2 }),
      'nn.ConvTranspose2d(64, 16, 4, stride=2, padding=1, groups=2)',
    ],
  ];
  // PyTorch's own fan_in for each layer, and the std of its own draws.
  const ref = runTorch<{ fan: number; shape: number[]; wstd: number; bmax: number }[]>(
    `${PY}
torch.manual_seed(0)
out = []
for py in inp:
    m = eval(py)
    fan = nn.init._calculate_fan_in_and_fan_out(m.weight)[0]
    out.append({'fan': fan, 'shape': list(m.weight.shape), 'wstd': m.weight.std(unbiased=False).item(), 'bmax': m.bias.abs().max().item()})
print(json.dumps(out))`,
    layers.map(([, , py]) => py),
  );
  for (const [i, [name, layer]] of layers.entries()) {
    const { fan, shape, wstd, bmax } = ref[i]!;
    assert.deepEqual(layer.weight.shape, shape, `${name}: weight shape`);
    assert.equal(nn.init.fanIn(layer.weight), fan, `${name}: fan_in`);
    const bound = 1 / Math.sqrt(fan);
    assert.ok(
      Math.abs(wstd / (bound / Math.sqrt(3)) - 1) < 0.05 && bmax <= bound,
      `${name}: PyTorch's own draws fit bound ${bound}`,
    );
    assertUniform(layer.weight, bound, `${name} weight`);
    assertUniform(layer.bias!, bound, `${name} bias`);
    layer.dispose();
  }
  // ConvTranspose2d's fan is out/groups * k * k, not in * k * k: 32 * 9 = 288 for (16, 32, 3).
  assert.deepEqual(
    ref.map((r) => r.fan),
    [144, 60, 288, 128],
  );

  for (const bn of [new nn.BatchNorm1d(6), new nn.BatchNorm2d(6)]) {
    assert.deepEqual(bn.weight!.toArray(), [1, 1, 1, 1, 1, 1]);
    assert.deepEqual(bn.bias!.toArray(), [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(bn.runningMean!.toArray(), [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(bn.runningVar!.toArray(), [1, 1, 1, 1, 1, 1]);
    assert.equal(bn.numBatchesTracked!.dtype, 'int64');
    assert.deepEqual(bn.numBatchesTracked!.shape, []);
    assert.equal(bn.numBatchesTracked!.item(), 0);
    assert.equal(bn.weight!.requiresGrad, true);
    assert.equal(bn.runningMean!.requiresGrad, false);
    bn.dispose();
  }
  const plain = new nn.BatchNorm2d(4, { affine: false, trackRunningStats: false });
  assert.deepEqual(Object.keys(plain.stateDict()), []);
  assert.equal(plain.weight, null);
});

// ---------------------------------------------------------------------------------------
// 3. State-dict names line up with torch.nn.Sequential's, and PyTorch runs our weights.

test("a Sequential's state dict has PyTorch's names and shapes, and loads into PyTorch", { skip: torchSkip }, () => {
  L.manualSeed(3);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 4, 3),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.Flatten(),
    new nn.Linear(4 * 6 * 6, 10),
    new nn.Dropout(0.2),
  );
  const x = L.randn([5, 1, 8, 8]);
  const trainOut = model.train().forward(x); // moves the running statistics
  const evalOut = model.eval().forward(x);
  const ref = runTorch<{ keys: string[]; shapes: number[][]; out: number[] }>(
    `${PY}
model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10), nn.Dropout(0.2))
keys = list(model.state_dict().keys())
shapes = [list(v.shape) for v in model.state_dict().values()]
model.load_state_dict({k: T(v) for k, v in inp['state'].items()})
model.eval()
with torch.no_grad(): out = model(T(inp['x']))
print(json.dumps({'keys': keys, 'shapes': shapes, 'out': out.flatten().tolist()}))`,
    { state: stateJson(model), x: J(x) },
  );
  assert.deepEqual(ref.keys, [
    '0.weight',
    '0.bias',
    '1.weight',
    '1.bias',
    '1.running_mean',
    '1.running_var',
    '1.num_batches_tracked',
    '4.weight',
    '4.bias',
  ]);
  const sd = model.stateDict();
  assert.deepEqual(Object.keys(sd).sort(), [...ref.keys].sort());
  ref.keys.forEach((k, i) => assert.deepEqual(sd[k]!.shape, ref.shapes[i], k));
  assert.equal(sd['1.num_batches_tracked']!.item(), 1);
  assertClose(evalOut.toArray(), ref.out, { atol: ATOL, rtol: RTOL, what: 'eval output with our state' });
  assert.notDeepEqual(trainOut.toArray(), evalOut.toArray());
  model.dispose();
});

// ---------------------------------------------------------------------------------------
// 4. train() / eval().

test('Dropout drops about p in training, keeps the rest scaled, and is the identity in eval', () => {
  L.manualSeed(11);
  const x = L.ones([200_000]).requiresGrad_();
  for (const p of [0.3, 0.5, 0.8]) {
    const drop = new nn.Dropout(p);
    assert.equal(drop.training, true);
    const y = drop.forward(x);
    const a = y.toArray();
    const zeros = a.filter((v) => v === 0).length / a.length;
    assert.ok(Math.abs(zeros - p) < 0.005, `p=${p}: ${zeros} of the elements zeroed`);
    const scale = Math.fround(1 / (1 - p));
    assert.ok(
      a.every((v) => v === 0 || Math.abs(v - scale) < 1e-6),
      `p=${p}: kept elements scaled by 1/(1-p)`,
    );
    const [g] = L.grad(y.sum(), [x]);
    assert.deepEqual(g!.toArray(), a, `p=${p}: the gradient is the same mask`);
    drop.eval();
    const e = drop.forward(x);
    assert.deepEqual(e.toArray(), x.toArray(), `p=${p}: identity in eval`);
  }
  assert.ok(
    new nn.Dropout(0)
      .forward(x)
      .toArray()
      .every((v) => v === 1),
  );
  assert.ok(
    new nn.Dropout(1)
      .forward(x)
      .toArray()
      .every((v) => v === 0),
  );
  assert.throws(() => new nn.Dropout(1.5), /between 0 and 1/);
  // Sequential passes the mode down.
  const seq = new nn.Sequential(new nn.Linear(4, 4), new nn.Dropout(0.5));
  seq.eval();
  assert.equal(seq.layers[1]!.training, false);
  seq.train();
  assert.equal(seq.layers[1]!.training, true);
  seq.dispose();
});

test('BatchNorm normalises with batch statistics in training and running statistics in eval', () => {
  L.manualSeed(12);
  const bn = new nn.BatchNorm2d(3, { momentum: 0.25 });
  const x = L.randn([16, 3, 6, 6])
    .mul(L.tensor([2, 0.5, 3]).reshape(1, 3, 1, 1))
    .add(L.tensor([1, -2, 4]).reshape(1, 3, 1, 1));
  const y = bn.forward(x);
  // Training: each channel of the output has mean 0 and (biased) variance 1.
  assertClose(y.mean([0, 2, 3]).toArray(), [0, 0, 0], { atol: 1e-5, what: 'training output mean' });
  assertClose(y.var([0, 2, 3], { correction: 0 }).toArray(), [1, 1, 1], {
    atol: 1e-3,
    what: 'training output variance',
  });
  // Running statistics: (1 - m) * initial + m * batch statistic, the variance unbiased.
  const m = 0.25;
  const mu = x.mean([0, 2, 3]);
  const vu = x.var([0, 2, 3]);
  assertClose(bn.runningMean!.toArray(), mu.mul(m).toArray(), { atol: 1e-5, what: 'running_mean' });
  assertClose(
    bn.runningVar!.toArray(),
    vu
      .mul(m)
      .add(1 - m)
      .toArray(),
    { atol: 1e-5, what: 'running_var' },
  );
  assert.equal(bn.numBatchesTracked!.item(), 1);
  // Eval: (x - running_mean) / sqrt(running_var + eps), buffers untouched.
  bn.eval();
  const before = [bn.runningMean!.toArray(), bn.runningVar!.toArray()];
  const e = bn.forward(x);
  const expected = x.sub(bn.runningMean!.reshape(1, 3, 1, 1)).div(bn.runningVar!.add(1e-5).sqrt().reshape(1, 3, 1, 1));
  assertClose(e.toArray(), expected.toArray(), { atol: 1e-5, what: 'eval output' });
  assert.deepEqual([bn.runningMean!.toArray(), bn.runningVar!.toArray()], before);
  assert.equal(bn.numBatchesTracked!.item(), 1);
  // resetRunningStats, as PyTorch's reset_running_stats.
  bn.resetRunningStats();
  assert.deepEqual(
    [bn.runningMean!.toArray(), bn.runningVar!.toArray(), bn.numBatchesTracked!.item()],
    [[0, 0, 0], [1, 1, 1], 0],
  );
  // Wrong ranks and single-value channels are refused, as in PyTorch.
  bn.train();
  assert.throws(() => bn.forward(L.randn([2, 3, 4])), /expected 4D input \(got 3D input\)/);
  assert.throws(() => new nn.BatchNorm1d(3).forward(L.randn([2, 3, 4, 4])), /expected 2D or 3D input \(got 4D input\)/);
  assert.throws(() => new nn.BatchNorm1d(3).forward(L.randn([1, 3])), /more than 1 value per channel/);
  assert.throws(() => bn.forward(L.randn([2, 4, 3, 3])), /input has 4 channels/);
  bn.dispose();
});

test('constructor arguments are checked as PyTorch checks them', () => {
  assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /in_channels \(3\) must be divisible by groups \(2\)/);
  assert.throws(
    () => new nn.ConvTranspose2d(4, 3, 3, { groups: 2 }),
    /out_channels \(3\) must be divisible by groups \(2\)/,
  );
  assert.throws(() => new nn.Conv2d(3, 4, 3, { padding: 'same', stride: 2 }), /not supported for strided convolutions/);
  assert.throws(() => new nn.Conv2d(3, 4, 2, { padding: 'same' }), /asymmetric padding/);
  assert.throws(
    () => new nn.ConvTranspose2d(3, 4, 3, { stride: 2, outputPadding: 2 }),
    /output padding must be smaller/,
  );
  assert.throws(() => new nn.MaxPool2d(2, { padding: 2 }), /at most half of kernel size/);
  assert.throws(() => new nn.Upsample({}), /exactly one of size and scaleFactor/);
  const bare = new nn.Conv2d(2, 2, 1, { bias: false });
  assert.equal(bare.bias, null);
  assert.deepEqual(Object.keys(bare.stateDict()), ['weight']);
});

// ---------------------------------------------------------------------------------------
// 5. The classic Keras convolutional autoencoder (blog.keras.io, "Building Autoencoders in
// Keras"), layer by layer. Keras's MaxPooling2D((2, 2), padding='same') is MaxPool2d(2,
// { ceilMode: true }): 7 -> 4 with the last window holding row/column 6 alone.

function kerasAutoencoder(): nn.Sequential {
  const pool = (): nn.MaxPool2d => new nn.MaxPool2d(2, { ceilMode: true });
  return new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 'same' }),
    new nn.ReLU(),
    pool(), //  0-2: 16 x 14 x 14
    new nn.Conv2d(16, 8, 3, { padding: 'same' }),
    new nn.ReLU(),
    pool(), //  3-5:  8 x 7 x 7
    new nn.Conv2d(8, 8, 3, { padding: 'same' }),
    new nn.ReLU(),
    pool(), //   6-8:  8 x 4 x 4 (encoded)
    new nn.Conv2d(8, 8, 3, { padding: 'same' }),
    new nn.ReLU(),
    new nn.Upsample({ scaleFactor: 2 }), //  9-11: 8 x 8 x 8
    new nn.Conv2d(8, 8, 3, { padding: 'same' }),
    new nn.ReLU(),
    new nn.Upsample({ scaleFactor: 2 }), // 12-14: 8 x 16 x 16
    new nn.Conv2d(8, 16, 3),
    new nn.ReLU(),
    new nn.Upsample({ scaleFactor: 2 }), // 15-17: 16 x 14 x 14 ('valid'), 16 x 28 x 28
    new nn.Conv2d(16, 1, 3, { padding: 'same' }),
    new nn.Sigmoid(), // 18-19: 1 x 28 x 28
  );
}
const PY_KERAS_AE = `nn.Sequential(
    nn.Conv2d(1, 16, 3, padding='same'), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
    nn.Conv2d(16, 8, 3, padding='same'), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
    nn.Conv2d(8, 8, 3, padding='same'), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
    nn.Conv2d(8, 8, 3, padding='same'), nn.ReLU(), nn.Upsample(scale_factor=2),
    nn.Conv2d(8, 8, 3, padding='same'), nn.ReLU(), nn.Upsample(scale_factor=2),
    nn.Conv2d(8, 16, 3), nn.ReLU(), nn.Upsample(scale_factor=2),
    nn.Conv2d(16, 1, 3, padding='same'), nn.Sigmoid())`;

test('the Keras conv autoencoder has the expected shape after every layer', () => {
  L.manualSeed(5);
  const ae = kerasAutoencoder();
  const shapes: number[][] = [];
  L.tidy(() => {
    let h = L.rand([3, 1, 28, 28]);
    for (const l of ae.layers) shapes.push((h = l.forward(h)).shape);
  });
  const c = (ch: number, s: number): number[] => [3, ch, s, s];
  assert.deepEqual(shapes, [
    c(16, 28),
    c(16, 28),
    c(16, 14),
    c(8, 14),
    c(8, 14),
    c(8, 7),
    c(8, 7),
    c(8, 7),
    c(8, 4),
    c(8, 4),
    c(8, 4),
    c(8, 8),
    c(8, 8),
    c(8, 8),
    c(8, 16),
    c(16, 14),
    c(16, 14),
    c(16, 28),
    c(1, 28),
    c(1, 28),
  ]);
  assert.equal(ae.numParameters(), 160 + 1160 + 584 + 584 + 584 + 1168 + 145); // Keras's summary: 4385
  ae.dispose();
});

test("MaxPool2d(2, { ceilMode: true }) is Keras's 'same' pooling; padding 1 is not", () => {
  L.manualSeed(6);
  const x = L.randn([2, 3, 7, 7]);
  // Keras pads 'same' pooling at the end only (right and bottom), with values that never win.
  const ninf = (s: number[]): L.Tensor => L.full(s, -Infinity);
  const padded = L.cat([L.cat([x, ninf([2, 3, 7, 1])], 3), ninf([2, 3, 1, 8])], 2);
  const keras = new nn.MaxPool2d(2).forward(padded);
  const ceil = new nn.MaxPool2d(2, { ceilMode: true }).forward(x);
  assert.deepEqual(ceil.shape, [2, 3, 4, 4]);
  assert.deepEqual(ceil.toArray(), keras.toArray());
  const pad1 = new nn.MaxPool2d(2, { padding: 1 }).forward(x);
  assert.deepEqual(pad1.shape, [2, 3, 4, 4]);
  assert.notDeepEqual(pad1.toArray(), keras.toArray());
  // Average pooling with ceilMode also divides the partial window by its real elements only, as Keras 'same' does.
  const avg = new nn.AvgPool2d(2, { ceilMode: true }).forward(x);
  const corner = x.slice(2, 6).slice(3, 6).toArray()[0]!; // x[0, 0, 6, 6]
  assert.ok(Math.abs(avg.toArray()[15]! - corner) < 1e-6);
  const edge = x.select(0, 0).select(0, 0).select(0, 6).slice(0, 0, 2).mean().item(); // mean of x[0, 0, 6, 0:2]
  assert.ok(Math.abs(avg.toArray()[12]! - edge) < 1e-6);
});

test('the Keras conv autoencoder gives the same output in PyTorch', { skip: torchSkip }, () => {
  L.manualSeed(8);
  const ae = kerasAutoencoder();
  const x = L.rand([2, 1, 28, 28]);
  const y = L.noGrad(() => ae.forward(x));
  const ref = runTorch<number[]>(
    `${PY}
model = ${PY_KERAS_AE}
model.load_state_dict({k: T(v) for k, v in inp['state'].items()})
with torch.no_grad(): out = model(T(inp['x']))
print(json.dumps(out.flatten().tolist()))`,
    { state: stateJson(ae), x: J(x) },
  );
  assertClose(y.toArray(), ref, { atol: ATOL, rtol: RTOL, what: 'autoencoder output' });
  ae.dispose();
});

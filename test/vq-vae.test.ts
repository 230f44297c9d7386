/**
 * VQ-VAE (van den Oord et al. 2017) and its Gated PixelCNN prior: nearest-code quantisation, the
 * codebook and commitment losses and the straight-through gradients against PyTorch on a tiny
 * model; the EMA codebook update and code restarts against hand computations; the PixelCNN's
 * order (no output depends on its own or later positions, by gradients); the perplexity; and
 * train, prior, sample, codes and ONNX export through the CLI.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { exportOnnx } from '../src/export/index.js';
import { MaskedConv2d, pixelCnnMask } from '../src/nn/masked-conv.js';
import { GatedPixelCnn } from '../src/models/pixelcnn/pixelcnn.js';
import { getModel } from '../src/models/registry.js';
import { VaeMlp } from '../src/models/vae-mlp/model.js';
import { asVqVae } from '../src/models/vq-vae/prior-fit.js';
import { VqVae } from '../src/models/vq-vae/model.js';
import { VectorQuantizer } from '../src/models/vq-vae/quantizer.js';
import { bincount, perplexity } from '../src/models/vq-vae/usage.js';
import { noGrad } from '../src/tensor/autograd.js';
import { randn, tensor } from '../src/tensor/create.js';
import { manualSeed } from '../src/tensor/runtime.js';
import { loadSafetensors } from '../src/tensor/safetensors.js';
import { disposeAll, tidy } from '../src/tensor/scope.js';
import { withOpenRun } from '../src/train/open-run.js';
import { readMetrics } from '../src/train/run-dir.js';
import { assertClose, cli, hasTorchPython, nested, prng, runTorch, tempDir } from './helpers.js';
import { compareWithOnnx } from './onnx-compare.js';

const tmp = tempDir('vq-vae');
const tiny = {
  imageShape: [1, 8, 8] as [number, number, number],
  codes: 5,
  codeDim: 3,
  width: 4,
  commitment: 0.25,
  ema: null,
  restartEvery: 0,
  priorWidth: 4,
  priorLayers: 1,
};

/**
 * The reference, in float64: the same conv layers, the nearest code by explicit differences
 * (not the expanded form latentlab uses), the two losses, and the gradients twice: of the
 * straight-through loss, and by hand: the decoder's gradient at z_q passed to the encoder
 * unchanged (the identity) plus 2 beta (z_e - e), and the codebook's 2 sum_{i: k_i = j} (e_j - z_i).
 */
const TORCH = `
import json, sys, torch
from torch import nn
d = json.load(sys.stdin)
torch.set_default_dtype(torch.float64)
W, D = d['W'], d['D']
enc = nn.Sequential(nn.Conv2d(1, W, 4, 2, 1), nn.ReLU(), nn.Conv2d(W, W, 4, 2, 1), nn.ReLU(), nn.Conv2d(W, D, 1))
dec = nn.Sequential(nn.Conv2d(D, W, 3, 1, 1), nn.ReLU(), nn.ConvTranspose2d(W, W, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(W, 1, 4, 2, 1))
e = nn.Parameter(torch.zeros(d['K'], D))
named = {**{f'enc.{k}': v for k, v in enc.named_parameters()}, **{f'dec.{k}': v for k, v in dec.named_parameters()}, 'quantizer.codebook': e}
with torch.no_grad():
    for n, v in d['w'].items():
        named[n].copy_(torch.tensor(v))
x = torch.tensor(d['x'], dtype=torch.float64)
z = enc(x).permute(0, 2, 3, 1).reshape(-1, D)
k = ((z[:, None, :] - e[None, :, :]) ** 2).sum(-1).argmin(1)
q = e[k]
codebook = ((q - z.detach()) ** 2).sum()
commitment = ((z - q.detach()) ** 2).sum()
zq = (z + (q - z).detach()).reshape(x.shape[0], 2, 2, D).permute(0, 3, 1, 2)
recon = nn.functional.binary_cross_entropy_with_logits(dec(zq), x, reduction='sum')
loss = recon + codebook + d['beta'] * commitment
names = list(d['w'])
grads = torch.autograd.grad(loss, [named[n] for n in names], retain_graph=True)
# By hand: the decoder's gradient at a leaf z_q, sent to the encoder as it is.
leaf = q.detach().reshape(x.shape[0], 2, 2, D).permute(0, 3, 1, 2).clone().requires_grad_()
g_zq, = torch.autograd.grad(nn.functional.binary_cross_entropy_with_logits(dec(leaf), x, reduction='sum'), [leaf])
g_z = g_zq.permute(0, 2, 3, 1).reshape(-1, D) + 2 * d['beta'] * (z - q).detach()
enc_names = [n for n in names if n.startswith('enc.')]
hand = dict(zip(enc_names, torch.autograd.grad(z, [named[n] for n in enc_names], g_z)))
hand['quantizer.codebook'] = torch.zeros_like(e).index_add(0, k, 2 * (q - z).detach())
print(json.dumps({'k': k.tolist(), 'loss': loss.item(), 'recon': recon.item(), 'codebook': codebook.item(),
  'commitment': commitment.item(), 'grad': {n: g.flatten().tolist() for n, g in zip(names, grads)},
  'hand': {n: g.flatten().tolist() for n, g in hand.items()}}))
`;

interface TorchOut {
  k: number[];
  loss: number;
  recon: number;
  codebook: number;
  commitment: number;
  grad: Record<string, number[]>;
  hand: Record<string, number[]>;
}

test(
  'nearest codes, the codebook and commitment losses and the straight-through gradients equal PyTorch',
  { skip: !hasTorchPython() && 'no Debian python3-torch' },
  () => {
    const m = new VqVae(tiny);
    try {
      const r = prng(11);
      const own = m.namedParameters().filter(([n]) => !n.startsWith('prior.'));
      noGrad(() => {
        for (const [n, p] of own)
          p.copy_(
            tensor(Array.from({ length: p.numel }, () => (r() - 0.5) * (n.includes('codebook') ? 0.6 : 1))).reshape(
              ...p.shape,
            ),
          );
      });
      const X = Array.from({ length: 2 * 64 }, () => (r() < 0.4 ? 1 : 0));
      const x = tensor(X).reshape(2, 1, 8, 8);
      const w = Object.fromEntries(own.map(([n, p]) => [n, nested(p.toArray(), p.shape)]));
      const want = runTorch<TorchOut>(TORCH, { w, W: 4, D: 3, K: 5, beta: 0.25, x: nested(X, [2, 1, 8, 8]) });
      const t = m.quantisedTerms(m.encodeRows(x), x);
      assert.deepEqual(t.indices.toArray(), want.k, 'the nearest codes');
      assert.ok(new Set(want.k).size >= 2, `several codes chosen (${want.k})`);
      assertClose(
        [t.loss.item(), t.recon.item(), t.codebook.item(), t.commitment.item()],
        [want.loss, want.recon, want.codebook, want.commitment],
        { atol: 1e-4, rtol: 1e-5, what: 'loss, recon, codebook, commitment' },
      );
      t.loss.backward();
      for (const [name, p] of own) {
        const g = want.grad[name]!;
        const scale = Math.max(...g.map(Math.abs));
        assert.ok(scale > 1e-6, `${name}: a gradient that is not zero`);
        assertClose(p.grad!.toArray(), g, { atol: 1e-5 * scale, rtol: 1e-5, what: `grad ${name}` });
        const hand = want.hand[name];
        if (hand) assertClose(p.grad!.toArray(), hand, { atol: 1e-5 * scale, rtol: 1e-5, what: `by hand ${name}` });
      }
      assert.ok(
        m.priorParameters().every((p) => p.grad === null),
        'the prior takes no part in training',
      );
    } finally {
      m.dispose();
    }
  },
);

test('EMA update with Laplace smoothing, and restarts of unused codes, by hand', () => {
  const q = new VectorQuantizer({ codes: 3, codeDim: 2, ema: 0.9 });
  try {
    const e0 = [0, 0, 1, 1, 5, 5];
    noGrad(() => {
      q.codebook.copy_(tensor(e0).reshape(3, 2));
      q.emaSum!.copy_(tensor(e0).reshape(3, 2));
      q.ready.fill_(1);
    });
    const z = tensor([0.1, -0.2, 0.9, 1.2, 1.1, 0.7, 0.2, 0.1]).reshape(4, 2);
    const k = q.nearest(z);
    assert.deepEqual(k.toArray(), [0, 1, 1, 0]);
    q.emaUpdate(z, k);
    // N = 0.9 * 1 + 0.1 * n, m = 0.9 * e + 0.1 * (sum of its vectors); e = m / N~.
    const n = [0.9 + 0.2, 0.9 + 0.2, 0.9];
    const m = [0.9 * 0 + 0.1 * 0.3, 0.9 * 0 + 0.1 * -0.1, 0.9 + 0.1 * 2.0, 0.9 + 0.1 * 1.9, 4.5, 4.5];
    const total = n.reduce((a, b) => a + b, 0);
    const smooth = n.map((c) => ((c + 1e-5) / (total + 3e-5)) * total);
    assertClose(q.emaCount!.toArray(), n, { what: 'N' });
    assertClose(q.emaSum!.toArray(), m, { what: 'm' });
    assertClose(
      q.codebook.toArray(),
      m.map((v, i) => v / smooth[Math.floor(i / 2)]!),
      { what: 'e' },
    );
    // Code 2 took no vector since the last check: it restarts at one of the batch's vectors.
    q.addHits(bincount(k.toArray(), 3));
    assert.equal(q.restart(z), 1);
    const e = q.codebook.toArray();
    const rows = z.toArray();
    assert.ok(
      [0, 1, 2, 3].some((i) => rows[2 * i] === e[4] && rows[2 * i + 1] === e[5]),
      `code 2 at a vector: ${e}`,
    );
    assertClose(
      e.slice(0, 4),
      m.slice(0, 4).map((v, i) => v / smooth[Math.floor(i / 2)]!),
      { what: 'used codes stay' },
    );
    assertClose(q.emaCount!.toArray().slice(2), [1], { what: 'restarted N' });
    assert.deepEqual(q.hits.toArray(), [0, 0, 0]);
  } finally {
    q.dispose();
  }
});

test('perplexity exp(H) of code counts, and the count of codes used', () => {
  assertClose([perplexity([3, 3, 3, 3]), perplexity([7, 0, 0]), perplexity([])], [4, 1, 0]);
  const p = [0.25, 0.75];
  assertClose([perplexity([1, 3])], [Math.exp(-p[0]! * Math.log(p[0]!) - p[1]! * Math.log(p[1]!))]);
  assert.deepEqual(bincount([2, 0, 2, 2], 4), [1, 0, 3, 0]);
});

/** Which input positions (raster order) each output position's logits depend on, by gradients. */
function dependencies(
  forward: (x: ReturnType<typeof randn>) => ReturnType<typeof randn>,
  c: number,
  side: number,
): boolean[][] {
  return Array.from({ length: side * side }, (_, i) =>
    tidy(() => {
      const x = randn([1, c, side, side]).requiresGrad_();
      forward(x).flatten(2).select(2, i).sum().backward();
      const g = x.grad!.abs().sum([0, 1]).flatten().toArray();
      return g.map((v) => v > 0);
    }),
  );
}

test('PixelCNN order: no output depends on its own or a later position; the gated stacks have no blind spot', () => {
  manualSeed(1);
  assert.deepEqual(pixelCnnMask('A', 3), [
    [1, 1, 1],
    [1, 0, 0],
    [0, 0, 0],
  ]);
  assert.deepEqual(pixelCnnMask('B', 3), [
    [1, 1, 1],
    [1, 1, 0],
    [0, 0, 0],
  ]);
  const side = 5;
  const conv = new MaskedConv2d(2, 2, pixelCnnMask('A', 3), { padding: 1 });
  const pcnn = new GatedPixelCnn({ classes: 4, channels: 4, layers: 3, grid: [side, side] });
  try {
    for (const [name, deps] of [
      ['masked conv A', dependencies((x) => conv.forward(x), 2, side)],
      ['gated PixelCNN', dependencies((x) => pcnn.forwardEmbedded(x), 4, side)],
    ] as const) {
      deps.forEach((row, i) =>
        row.forEach((d, j) => assert.ok(!(d && j >= i), `${name}: output ${i} depends on input ${j}`)),
      );
      assert.ok(deps[12]![11] && deps[12]![7], `${name}: the left and upper neighbours count`);
    }
    const deps = dependencies((x) => pcnn.forwardEmbedded(x), 4, side);
    // Above and right of (2, 2), (1, 3) and (0, 4): the vertical stack sees the rows above whole.
    assert.ok(deps[12]![8] && deps[12]![4], 'above-right positions count');
    const logp = noGrad(() =>
      pcnn.nll(
        tensor(
          Array.from({ length: 25 }, (_, i) => i % 4),
          { dtype: 'int64' },
        ).reshape(1, 5, 5),
      ),
    );
    assert.ok(logp.item() > 0, '-log p of a grid is positive');
    const s = pcnn.sample(3);
    assert.deepEqual(s.shape, [3, side, side]);
    assert.ok(s.toArray().every((v) => Number.isInteger(v) && v >= 0 && v < 4));
  } finally {
    conv.dispose();
    pcnn.dispose();
  }
});

const TINY_FLAGS = ['--codes', '32', '--code-dim', '8', '--width', '8', '--prior-width', '8', '--prior-layers', '2'];

test('train --model vq-vae, prior --run, sample, codes and the ONNX decoders (from z and from the code grid)', async () => {
  const dir = join(tmp, 'run');
  const train = cli(
    [
      'train',
      '--model',
      'vq-vae',
      ...TINY_FLAGS,
      '--limit',
      '256',
      '--epochs',
      '1',
      '--batch-size',
      '64',
      '--threads',
      '1',
      '--no-pictures',
      '--out',
      dir,
      '--json',
    ],
    { cwd: tmp },
  );
  assert.equal(train.status, 0, train.stderr);
  const m = readMetrics(dir)[0]!;
  for (const k of [
    'train_recon',
    'train_vq',
    'test_recon',
    'perplexity',
    'codes_used',
    'test_perplexity',
    'test_codes_used',
  ])
    assert.ok(Number.isFinite(m[k]), `${k}: ${m[k]}`);
  assert.ok(
    m.test_codes_used! >= 2 && m.test_codes_used! <= 32 && m.test_perplexity! <= m.test_codes_used!,
    JSON.stringify(m),
  );
  const before = cli(['sample', '--run', dir, '--n', '4', '--out', join(tmp, 'uniform.png')], { cwd: tmp });
  assert.equal(before.status, 0, before.stderr);
  assert.match(before.stderr, /prior is untrained.*latentlab prior --run/);
  const p = cli(['prior', '--run', dir, '--epochs', '3', '--threads', '1', '--json'], { cwd: tmp });
  assert.equal(p.status, 0, p.stderr);
  const lines = p.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number>);
  assert.deepEqual(
    lines.slice(0, 3).map((l) => l.epoch),
    [1, 2, 3],
  );
  assert.ok(lines[2]!.train_nll! < lines[0]!.train_nll!, `the prior's NLL falls: ${lines.map((l) => l.train_nll)}`);
  const saved = loadSafetensors(join(dir, 'model.safetensors'));
  assert.equal(saved.tensors['prior.epochs']!.item(), 3);
  disposeAll(saved.tensors);
  const after = cli(['sample', '--run', dir, '--n', '4', '--out', join(tmp, 'prior.png')], { cwd: tmp });
  assert.equal(after.status, 0, after.stderr);
  assert.doesNotMatch(after.stderr, /untrained/);
  assert.ok(statSync(join(tmp, 'prior.png')).size > 100);
  const codes = cli(['codes', '--run', dir, '--scale', '1', '--json'], { cwd: tmp });
  assert.equal(codes.status, 0, codes.stderr);
  assert.ok(existsSync(join(dir, 'codes.png')) && readFileSync(join(dir, 'codes.png')).length > 100);
  await withOpenRun(dir, async (run) => {
    await compareWithOnnx(run.model);
    const vq = run.model as VqVae;
    const files = exportOnnx(vq);
    const session = await ort.InferenceSession.create(files.codeDecoder!);
    const grid = tensor(
      Array.from({ length: 5 * 49 }, (_, i) => (i * 13) % 32),
      { dtype: 'int64' },
    ).reshape(5, 7, 7);
    const out = await session.run({ codes: new ort.Tensor('int64', grid.toTypedArray() as BigInt64Array, [5, 7, 7]) });
    const ours = noGrad(() => vq.decodeCodes(grid)).toArray();
    assertClose(Array.from(out.image!.data as Float32Array), ours, { atol: 1e-5, rtol: 0, what: 'code-decoder.onnx' });
  });
});

test('bad input: --ema 1, a run of another model for prior and codes', () => {
  const d = getModel('vq-vae');
  assert.match(
    d.check!({
      ...(Object.fromEntries(Object.entries(d.options).map(([k, v]) => [k, v.default])) as object),
      ema: 1,
    }) ?? '',
    /--ema must be below 1/,
  );
  assert.equal(d.check!({ ema: 0.99 }), null);
  const vae = new VaeMlp({ latent: 2, hidden: 4, imageShape: [1, 4, 4] });
  try {
    assert.throws(
      () => asVqVae(vae, 'prior'),
      /prior needs a run of a model with discrete codes .*this run is vae-mlp/,
    );
  } finally {
    vae.dispose();
  }
});

/**
 * ONNX export: every model type's decoder and encoder run through onnxruntime-node give what
 * latentlab gives (batch sizes 1 and 5 through one file), the metadata reads back with the
 * vendored schema, graphs that are not chains (skip concatenation, residual addition, codebook
 * lookup) run as in latentlab, an operator without a converter is refused by name and module with
 * nothing written, and weights saved
 * by PyTorch import into a run that the other commands (export, sample) work on.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Command } from 'commander';
import * as ort from 'onnxruntime-node';
import { exportCommand } from '../src/cli/export.js';
import { importCommand } from '../src/cli/import.js';
import { decodeModel, exportOnnx, exportRun, readMetadata, saveOnnx, supportedOperators } from '../src/export/index.js';
import { LatentModel } from '../src/models/common/latent-model.js';
import type { Model } from '../src/models/model.js';
import { buildModel as createModel } from '../src/train/prepare.js';
import { LeakyReLU, Sigmoid, Softplus, Tanh } from '../src/nn/activation.js';
import { BatchNorm1d, BatchNorm2d } from '../src/nn/batchnorm.js';
import { Sequential } from '../src/nn/container.js';
import { Conv2d, ConvTranspose2d } from '../src/nn/conv.js';
import { Dropout } from '../src/nn/dropout.js';
import { Linear } from '../src/nn/linear.js';
import { Layer } from '../src/nn/module.js';
import { AvgPool2d, MaxPool2d, Upsample } from '../src/nn/pooling.js';
import { Flatten, Reshape, Unflatten } from '../src/nn/reshape.js';
import { noGrad } from '../src/tensor/autograd.js';
import { rand, randn, tensor } from '../src/tensor/create.js';
import { manualSeed } from '../src/tensor/runtime.js';
import { cat } from '../src/tensor/functional.js';
import { loadSafetensors, saveSafetensors } from '../src/tensor/safetensors.js';
import { disposeAll, tidy } from '../src/tensor/scope.js';
import { call, type Tensor } from '../src/tensor/tensor.js';
import { resolveConfig, type RunConfig } from '../src/train/config.js';
import { importRun } from '../src/train/import-run.js';
import { withOpenRun } from '../src/train/open-run.js';
import { decodeLatents } from '../src/inference/latent.js';
import { hasTorchPython, referenceDir, repoRoot, runTorch } from './helpers.js';
import { compareWithOnnx } from './onnx-compare.js';

const torchSkip = hasTorchPython()
  ? false
  : 'needs /usr/bin/python3 with torch (python3-torch), which is not installed';
const tmp = mkdtempSync(join(tmpdir(), 'latentlab-export-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

type Shape = [number, number, number];
interface Case {
  name: string;
  config: Partial<RunConfig>;
  shape?: Shape;
  classes?: number;
}

/** Every model type the project trains, tiny. */
const CASES: Case[] = [
  { name: 'vae-mlp', config: { model: 'vae-mlp', hidden: 16, latent: 3 } },
  {
    name: 'vae-mlp (gaussian, learned sigma, softplus variance)',
    config: { model: 'vae-mlp', hidden: 16, latent: 3, likelihood: 'gaussian', sigma: 'learned', variance: 'softplus' },
  },
  { name: 'vae-conv strided', config: { model: 'vae-conv', latent: 4, layout: 'strided' } },
  { name: 'vae-conv keras', config: { model: 'vae-conv', latent: 4, layout: 'keras', likelihood: 'gaussian' } },
  { name: 'ae-mlp', config: { model: 'ae-mlp', hidden: 16, latent: 3 } },
  { name: 'ae-conv keras (the 8x4x4 map is the code)', config: { model: 'ae-conv', latent: 128, layout: 'keras' } },
  { name: 'ae-conv keras (dense bottleneck)', config: { model: 'ae-conv', latent: 5, layout: 'keras' } },
  { name: 'ae-conv strided', config: { model: 'ae-conv', latent: 5, layout: 'strided' } },
  { name: 'cvae', config: { model: 'cvae', hidden: 16, latent: 2 }, classes: 10 },
  { name: 'gan-mlp', config: { model: 'gan-mlp', hidden: 8, latent: 6 } },
  { name: 'dcgan 28x28', config: { model: 'dcgan', width: 4, latent: 6 } },
  { name: 'dcgan 32x32x3', config: { model: 'dcgan', width: 4, latent: 6 }, shape: [3, 32, 32] },
  { name: 'wgan-gp', config: { model: 'wgan-gp', width: 4, latent: 6 } },
  { name: 'cgan', config: { model: 'cgan', hidden: 8, latent: 6 }, classes: 10 },
];

/** Non-trivial batch-norm statistics and affine terms, so that eval-mode batch norm is tested; a learned sigma too. */
function perturb(model: Model): void {
  noGrad(() =>
    tidy(() => {
      for (const [, m] of model.namedModules()) {
        if (!(m instanceof BatchNorm1d || m instanceof BatchNorm2d)) continue;
        const n = m.numFeatures;
        m.runningMean!.copy_(randn([n]).mul(0.5));
        m.runningVar!.copy_(rand([n]).add(0.5));
        m.weight?.copy_(randn([n]).mul(0.2).add(1));
        m.bias?.copy_(randn([n]).mul(0.2));
      }
      for (const [name, p] of model.namedParameters()) if (name.endsWith('log_sigma')) p.fill_(-1.3);
    }),
  );
}

for (const c of CASES) {
  test(`${c.name}: the ONNX ${c.config.model!.includes('gan') ? 'generator gives' : 'decoder and encoder give'} latentlab's outputs for batches of 1 and 5`, async (t) => {
    manualSeed(7);
    const model = createModel(resolveConfig({}, c.config), c.shape ?? [1, 28, 28], c.classes ?? 0);
    try {
      perturb(model);
      t.diagnostic(`max |ONNX - latentlab|: ${await compareWithOnnx(model)}`);
    } finally {
      model.dispose();
    }
  });
}

/** An autoencoder of two Sequentials, for layers and options the project's models do not use. */
class SequentialAe extends LatentModel {
  readonly modelName = 'sequential-ae';
  readonly variational = false;
  readonly enc: Sequential;
  readonly dec: Sequential;
  constructor(enc: Sequential, dec: Sequential, latent: number) {
    super({ latent, imageShape: [1, 28, 28] });
    this.enc = this.module('enc', enc);
    this.dec = this.module('dec', dec);
    this.withLikelihood();
  }
  protected encodeRaw(x: Tensor): { mu: Tensor; rawVar: null } {
    return { mu: this.enc.forward(x), rawVar: null };
  }
  protected decodeRaw(z: Tensor): Tensor {
    return this.dec.forward(z).reshape(z.size(0), 1, 28, 28);
  }
}

test("every layer's operators convert as latentlab computes them, with the options the models leave at their defaults", async (t) => {
  manualSeed(3);
  const enc = new Sequential(
    new Conv2d(1, 2, 3, { padding: 'same' }),
    new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), // 28 -> 15
    new Flatten(),
    new Reshape(1, 450), // [B, 1, 450]: Linear and BatchNorm1d on 3-D input
    new Linear(450, 6),
    new BatchNorm1d(1),
    new Tanh(),
    new Flatten(),
    new Dropout(0.3),
    new Linear(6, 3, { bias: false }),
  );
  const dec = new Sequential(
    new Linear(3, 2 * 6 * 6),
    new Unflatten(1, [2, 6, 6]),
    new ConvTranspose2d(2, 4, 3, { stride: 2, padding: 1, outputPadding: 1 }), // 6 -> 12
    new BatchNorm2d(4, { affine: false }),
    new LeakyReLU(0.1),
    new Upsample({ size: [14, 14], mode: 'bilinear' }),
    new Conv2d(4, 4, 3, { padding: 2, dilation: 2, groups: 2 }),
    new Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true }), // 28
    new AvgPool2d(2), // 14
    new Upsample({ size: [28, 28] }),
    new Softplus(),
    new Conv2d(4, 1, 1),
    new Sigmoid(),
  );
  const model = new SequentialAe(enc, dec, 3);
  try {
    perturb(model);
    t.diagnostic(`max |ONNX - latentlab|: ${await compareWithOnnx(model)}`);
  } finally {
    model.dispose();
  }
});

/**
 * A graph that is not a chain: the encoder concatenates a skip connection along channels and
 * adds a residual; the decoder snaps each pair of latent values to its nearest codebook row
 * (argmin of squared distances, then a gather) as VQ-VAE does, and restates the batch size in
 * a reshape ([B*2, 2] -> [B, 4]).
 */
class SkipVqAe extends LatentModel {
  readonly modelName = 'skip-vq-ae';
  readonly variational = false;
  readonly conv1 = this.module('conv1', new Conv2d(1, 3, 3, { padding: 1 }));
  readonly conv2 = this.module('conv2', new Conv2d(3, 3, 3, { padding: 1 }));
  readonly pool = this.module('pool', new AvgPool2d(4));
  readonly res = this.module('res', new Conv2d(6, 6, 3, { padding: 1 }));
  readonly fc = this.module('fc', new Linear(6 * 7 * 7, 4));
  readonly hidden = this.module('hidden', new Linear(4, 4));
  readonly out = this.module('out', new Linear(4, 784));
  readonly codebook: Tensor;
  constructor() {
    super({ latent: 4, imageShape: [1, 28, 28] });
    this.codebook = this.param('codebook', randn([5, 2]));
    this.withLikelihood();
  }
  protected encodeRaw(x: Tensor): { mu: Tensor; rawVar: null } {
    const h = this.conv1.forward(x).relu();
    const c = this.pool.forward(cat([h, this.conv2.forward(h)], 1));
    const r = c.add(this.res.forward(c));
    return { mu: this.fc.forward(r.flatten(1)), rawVar: null };
  }
  protected decodeRaw(z: Tensor): Tensor {
    const pairs = z.reshape(-1, 2);
    const d = pairs
      .square()
      .sum(1, true)
      .sub(pairs.matmul(this.codebook.t()).mul(2))
      .add(this.codebook.square().sum(1));
    const q = this.codebook.indexSelect(0, d.argmin(1)).reshape(z.size(0), 4);
    const h = q.add(this.hidden.forward(q).tanh());
    return this.out.forward(h).reshape(z.size(0), 1, 28, 28);
  }
}

test('a module with a concatenated skip, a residual addition and a codebook lookup (argmin + gather) runs in onnxruntime as in latentlab', async (t) => {
  manualSeed(11);
  const model = new SkipVqAe();
  try {
    const files = exportOnnx(model);
    const ops = (bytes: Uint8Array): string[] =>
      (decodeModel(bytes) as { graph: { node: { op_type: string }[] } }).graph.node.map((n) => n.op_type);
    assert.ok(
      ops(files.encoder!).includes('Concat') && ops(files.encoder!).includes('Add'),
      'the encoder concatenates and adds',
    );
    assert.ok(
      ops(files.decoder).includes('ArgMin') && ops(files.decoder).includes('Gather'),
      'the decoder looks up codes',
    );
    t.diagnostic(`max |ONNX - latentlab|: ${await compareWithOnnx(model)}`);
  } finally {
    model.dispose();
  }
});

test('the metadata, opset and dynamic batch dimension read back with the vendored onnx.proto', () => {
  const model = createModel(resolveConfig({}, { model: 'cvae', hidden: 8, latent: 2 }), [1, 28, 28], 10);
  const out = join(tmp, 'meta');
  const files = saveOnnx(model, out, { dataset: 'mnist', class_names: JSON.stringify(['a', 'b']) });
  model.dispose();
  assert.deepEqual(files, [join(out, 'decoder.onnx'), join(out, 'encoder.onnx')]);
  assert.deepEqual(readdirSync(out).sort(), ['decoder.onnx', 'encoder.onnx'], 'no temporary files left');
  const bytes = readFileSync(files[0]!);
  const meta = readMetadata(bytes);
  assert.equal(meta.model, 'cvae');
  assert.equal(meta.graph, 'decoder');
  assert.equal(meta.latent_dim, '2');
  assert.equal(meta.image_shape, '[1,28,28]');
  assert.equal(meta.likelihood, 'bernoulli');
  assert.equal(meta.dataset, 'mnist');
  assert.equal(meta.class_names, '["a","b"]');
  assert.equal(meta.num_classes, '10');
  assert.match(meta.latentlab_version!, /^\d+\.\d+\.\d+/);
  assert.equal(readMetadata(readFileSync(files[1]!)).graph, 'encoder');
  const proto = decodeModel(bytes) as {
    ir_version: number;
    opset_import: { version: number }[];
    producer_name: string;
    graph: { input: { name: string; type: { tensor_type: { shape: { dim: Record<string, unknown>[] } } } }[] };
  };
  assert.equal(proto.producer_name, 'latentlab');
  assert.deepEqual(
    proto.opset_import.map((o) => o.version),
    [17],
  );
  const z = proto.graph.input.find((i) => i.name === 'z')!;
  assert.deepEqual(z.type.tensor_type.shape.dim, [{ dim_param: 'batch' }, { dim_value: 2 }]);
});

/** A layer calling an operator the exporter does not translate. */
class Erfinv extends Layer {
  forward(x: Tensor): Tensor {
    return call('erfinv', x.tanh().handle);
  }
}

test('an operator without a converter fails the export by its name, module path and class, and nothing is written', () => {
  const enc = new Sequential(new Flatten(), new Linear(784, 4), new Erfinv(), new Linear(4, 2));
  const model = new SequentialAe(enc, new Sequential(new Linear(2, 784)), 2);
  const out = join(tmp, 'custom');
  assert.ok(!supportedOperators().includes('erfinv'));
  assert.throws(() => saveOnnx(model, out), {
    name: 'UnsupportedOperatorError',
    message: "cannot export aten::erfinv in 'enc.2' (Erfinv): the ONNX exporter has no converter for this operator",
  });
  model.dispose();
  assert.ok(!existsSync(out) || readdirSync(out).length === 0, 'no file in the out folder, not even the decoder');
});

function helpOf(cmd: Command): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s) }).outputHelp();
  return text;
}

function cli(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(repoRoot, 'src', 'cli', 'run.ts'), ...args],
    { encoding: 'utf8', cwd: tmp },
  );
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const Z = [
  [0.5, -1.2],
  [0, 0],
  [-2, 1.5],
];

let torchFile: { path: string; decoded: number[] } | null = null;

/** torch_vae.py's MLP (784-16-2), its state dict written by safetensors_io.py (once), and its decoded means of Z. */
function torchVae(): { path: string; decoded: number[] } {
  const path = join(tmp, 'torch-vae.safetensors');
  torchFile ??= {
    path,
    decoded: runTorch<number[][]>(
      `
import json, sys
sys.path.insert(0, ${JSON.stringify(referenceDir)})
import torch, safetensors_io, torch_vae
torch.manual_seed(0)
m = torch_vae.MLP(2, 16).eval()
safetensors_io.write(${JSON.stringify(path)}, {k: v.detach().numpy() for k, v in m.state_dict().items()}, {'format': 'pt'})
with torch.no_grad():
    print(json.dumps(torch.sigmoid(m.decode(torch.tensor(json.load(sys.stdin)))).tolist()))
`,
      Z,
    ).flat(),
  };
  return torchFile;
}

test(
  'weights saved from PyTorch import into a run that decodes as PyTorch does, and `latentlab export` opens it',
  { skip: torchSkip },
  async (t) => {
    const { path: weights, decoded: expected } = torchVae();
    const dir = join(tmp, 'runs', 'imported');
    const r = cli(
      'import',
      '--weights',
      weights,
      '--model',
      'vae-mlp',
      '--latent',
      '2',
      '--hidden',
      '16',
      '--out',
      dir,
      '--json',
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout.trim().split('\n').pop()!) as { run_dir: string }).run_dir, dir);
    assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'model.safetensors']);
    // On another machine, config.json and model.safetensors are the whole run.
    const moved = join(tmp, 'elsewhere', 'imported');
    mkdirSync(moved, { recursive: true });
    for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(dir, f), join(moved, f));
    for (const run of [dir, moved]) {
      const ours = await withOpenRun(
        run,
        (r) => tidy(() => decodeLatents(r.model, tensor(Z))).toTypedArray() as Float32Array,
      );
      const d = Math.max(...Array.from(ours, (v, i) => Math.abs(v - expected[i]!)));
      assert.ok(d < 1e-5, `${run}: latentlab vs PyTorch: max |difference| ${d}`);
      t.diagnostic(`max |latentlab - PyTorch| ${d.toExponential(2)}`);
    }
    const e = cli('export', '--run', moved, '--json');
    assert.equal(e.status, 0, e.stderr);
    const files = (JSON.parse(e.stdout.trim()) as { files: string[] }).files;
    assert.deepEqual(files, [join(moved, 'onnx', 'decoder.onnx'), join(moved, 'onnx', 'encoder.onnx')]);
    const session = await ort.InferenceSession.create(files[0]!);
    const image = (await session.run({ z: new ort.Tensor('float32', Float32Array.from(Z.flat()), [3, 2]) })).image!
      .data as Float32Array;
    const d = Math.max(...Array.from(image, (v, i) => Math.abs(v - expected[i]!)));
    assert.ok(d < 1e-5, `ONNX vs PyTorch: max |difference| ${d}`);
    t.diagnostic(`max |ONNX - PyTorch| ${d.toExponential(2)}`);
    assert.equal(readMetadata(readFileSync(files[0]!)).dataset, 'mnist');
  },
);

test(
  'import refuses a file that does not fit the model, listing missing, unexpected and mismatched names, and writes nothing',
  { skip: torchSkip },
  async () => {
    const weights = torchVae().path;
    const { tensors } = loadSafetensors(weights);
    const { 'lv.bias': lvBias, ...rest } = tensors;
    const renamed = join(tmp, 'renamed.safetensors');
    saveSafetensors(renamed, { ...rest, 'logvar.bias': lvBias! });
    disposeAll(tensors);
    const config = resolveConfig({}, { model: 'vae-mlp', latent: 2, hidden: 16 });
    const dir = join(tmp, 'runs', 'refused');
    await assert.rejects(
      importRun(renamed, config, dir),
      /missing from the file: lv\.bias\n {2}not in the model: logvar\.bias/,
    );
    await assert.rejects(importRun(weights, { ...config, hidden: 8 }, dir), (e: Error) => {
      assert.match(e.message, /mismatched: enc\.weight \[16,784\] in the file, \[8,784\] in the model/);
      assert.match(e.message, /mismatched: dec\.2\.weight \[784,16\] in the file, \[784,8\] in the model\n/);
      assert.doesNotMatch(e.message, /mu\.bias|dec\.2\.bias/, 'only what differs');
      assert.doesNotMatch(e.message, /missing|not in the model/);
      return true;
    });
    assert.ok(!existsSync(dir), 'no run directory');
  },
);

test('export and import explain themselves; bad input is a clear error, and nothing is written', async () => {
  const exportHelp = helpOf(exportCommand());
  assert.match(exportHelp, /--format <format>\s+file format \(choices: "onnx", "web", default: "onnx"\)/);
  assert.match(
    exportHelp,
    /decoder\.onnx {2}z \[batch, latent\] float32 -> image \[batch, C, H, W\] float32 in \[0, 1\]/,
  );
  const importHelp = helpOf(importCommand());
  // train's settings: the common ones and the default model's own (another model's with --model NAME --help).
  for (const flag of [
    '--weights <file>',
    '--out <dir>',
    '--model <',
    '--latent <n>',
    '--hidden <n>',
    "vae-mlp's options",
  ])
    assert.ok(importHelp.includes(flag), `import --help shows ${flag}`);
  assert.match(importHelp, /missing, unexpected and mismatched names/);
  const noWeights = join(tmp, 'runs', 'no-weights');
  mkdirSync(noWeights, { recursive: true });
  writeFileSync(join(noWeights, 'config.json'), JSON.stringify({ ...resolveConfig({}, {}), resolved: {} }));
  await assert.rejects(exportRun(noWeights), /has no model\.safetensors yet/);
  await assert.rejects(
    exportRun(noWeights, { format: 'tflite' }),
    /unknown export format 'tflite' \(known: onnx, web\)/,
  );
  await assert.rejects(
    importRun(join(tmp, 'missing.safetensors'), resolveConfig({}, {}), join(tmp, 'runs', 'x')),
    /no weights file at/,
  );
  assert.deepEqual(readdirSync(noWeights), ['config.json'], 'nothing written into the run without weights');
  const bad = exportCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  await assert.rejects(
    bad.parseAsync(['--run', noWeights, '--format', 'tflite'], { from: 'user' }),
    /argument 'tflite' is invalid\. Allowed choices are onnx/,
  );
  // As a user runs it: a message and exit code 1.
  const r = cli('export', '--run', join(tmp, 'nowhere'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^latentlab: no run at .*nowhere\n$/);
});

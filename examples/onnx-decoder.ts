/**
 * Export a run's decoder to ONNX and run it in onnxruntime-node (in your project:
 * `npm install onnxruntime-node`), then check it against latentlab's own decode.
 *
 *   node --import tsx examples/onnx-decoder.ts [--run DIR] [--out DIR]
 *
 * Without --run a VAE is first trained (--limit N images, default all; --epochs N, default 10).
 * Tiny (as npm test runs it): --run DIR, or without --run: --limit 256 --epochs 1.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { exporter, inference, randn, tensor, tidy, train, viz, workflow } from 'latentlab';

const { values: args } = parseArgs({
  options: {
    run: { type: 'string' },
    limit: { type: 'string' },
    epochs: { type: 'string', default: '10' },
    out: { type: 'string', default: 'runs/examples/onnx-decoder' },
  },
});

let runDir = args.run;
if (!runDir) {
  runDir = join(args.out, 'run');
  rmSync(runDir, { recursive: true, force: true });
  const flags = { model: 'vae-mlp', epochs: Number(args.epochs), limit: Number(args.limit) || null };
  await workflow.trainRun(train.resolveConfig({}, flags), runDir, { pictures: false });
}

// decoder.onnx (input z [B, latent] -> output image [B, C, H, W]) and encoder.onnx, as `latentlab export` writes them.
const files = await exporter.exportRun(runDir, { out: join(args.out, 'onnx') });
console.log(`exported: ${files.join(', ')}`);

const run = await train.openRun(runDir);
try {
  // 16 codes from N(0, I), decoded by onnxruntime and by latentlab.
  const z = randn([16, inference.latentDimOf(run.model)]);
  const session = await ort.InferenceSession.create(join(args.out, 'onnx', 'decoder.onnx'));
  const zData = z.toTypedArray() as Float32Array;
  const { image } = await session.run({ z: new ort.Tensor('float32', zData, z.shape) });
  const ours = tidy(() => inference.decodeLatents(run.model, z).toTypedArray() as Float32Array);
  const theirs = image!.data as Float32Array;
  const maxDiff = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - theirs[i]!)), 0);
  console.log(`onnxruntime vs latentlab: max |difference| ${maxDiff.toExponential(2)} over ${ours.length} pixels`);

  // The ONNX decoder's images, as any other image tensor.
  const grid = tensor(theirs, { shape: image!.dims.map(Number) });
  console.log(`samples: ${await viz.saveImageGrid(join(args.out, 'onnx-samples.png'), grid, { scale: 2 })}`);
  grid.dispose();
  z.dispose();
  await session.release();
} finally {
  run.dispose();
}

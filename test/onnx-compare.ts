/**
 * ONNX parity for any model: export it, run the files in onnxruntime-node at batch sizes 1 and
 * 5, and assert that they give latentlab's own decode() (and encode()) to 1e-5.
 */
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { exportOnnx } from '../src/export/index.js';
import { has, need } from '../src/models/capabilities.js';
import type { Model } from '../src/models/model.js';
import { noGrad } from '../src/tensor/autograd.js';
import { rand, randn, tensor } from '../src/tensor/create.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { decodeLatents } from '../src/inference/latent.js';

const f32 = (t: Tensor): ort.Tensor =>
  new ort.Tensor('float32', t.contiguous().toTypedArray() as Float32Array, t.shape);
const labelsOf = (b: number, k: number): ort.Tensor =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: b }, (_, i) => BigInt(i % k)),
    [b],
  );

function maxDiff(ours: Tensor, theirs: ort.Tensor): number {
  assert.deepEqual(theirs.dims, ours.shape);
  const a = ours.toTypedArray() as Float32Array;
  const b = theirs.data as Float32Array;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/** Exports `model`, runs both files through onnxruntime at batch sizes 1 and 5, and asserts they match latentlab; gives the differences. */
export async function compareWithOnnx(model: Model): Promise<string> {
  const files = exportOnnx(model, { dataset: 'test' });
  const k = model.numClasses;
  const decoder = await ort.InferenceSession.create(files.decoder);
  assert.deepEqual([...decoder.inputNames].sort(), k ? ['label', 'z'] : ['z']);
  const diffs: string[] = [];
  for (const b of [1, 5]) {
    const z = randn([b, need(model, 'decoder', 'the test').latentDim]);
    const out = await decoder.run({ z: f32(z), ...(k ? { label: labelsOf(b, k) } : {}) });
    const d = maxDiff(decodeLatents(model, z, k ? 'each' : undefined), out.image!);
    assert.ok(d < 1e-5, `decoder, batch ${b}: max |difference| ${d}`);
    diffs.push(`image B=${b} ${d.toExponential(2)}`);
  }
  const enc = model.capabilities.encoder;
  if (!enc) {
    assert.equal(files.encoder, null, 'a model without an encoder exports none');
    return diffs.join(', ');
  }
  assert.ok(files.encoder, 'an encoder file');
  const encoder = await ort.InferenceSession.create(files.encoder);
  assert.deepEqual([...encoder.outputNames].sort(), has(model, 'posterior') ? ['logvar', 'mu'] : ['mu']);
  for (const b of [1, 5]) {
    const x = rand([b, ...model.imageShape]);
    const y = k
      ? tensor(
          Array.from({ length: b }, (_, i) => (3 * i + 1) % k),
          { dtype: 'int64' },
        )
      : undefined;
    const out = await encoder.run({
      x: f32(x),
      ...(y ? { label: new ort.Tensor('int64', y.toTypedArray() as BigInt64Array, [b]) } : {}),
    });
    const ours = noGrad(() => enc.encode(x, y));
    for (const [name, v] of Object.entries({ mu: ours.mu, logvar: ours.logvar })) {
      if (!v) continue;
      const d = maxDiff(v, out[name]!);
      assert.ok(d < 1e-5, `encoder ${name}, batch ${b}: max |difference| ${d}`);
      diffs.push(`${name} B=${b} ${d.toExponential(2)}`);
    }
  }
  return diffs.join(', ');
}

/**
 * ONNX export of latentlab models: the decoder (a GAN's generator) and, where the model has
 * one, the encoder, each a standard ONNX model (opset 17, dynamic batch size) emitted from the
 * operators that decode() and encode() actually call (trace-graph.ts, converters in aten*.ts) and
 * encoded with protobufjs (onnx-proto.ts).
 *   decoder.onnx: z [batch, latent] float32 (+ label [batch] int64) -> image [batch, C, H, W] in [0, 1]
 *   encoder.onnx: x [batch, C, H, W] float32 in [0, 1] (+ label) -> mu [batch, latent] (+ logvar for VAEs)
 *   code-decoder.onnx (models with a code grid, vq-vae): codes [batch, h, w] int64 -> image
 * The run's metadata (model, latent size, image shape, likelihood, dataset, class names,
 * latentlab version) goes into each file's metadata_props. Everything is built in memory and
 * checked before the first byte is written; then all files go to temporary names and are renamed.
 */
import { join } from 'node:path';
import { need } from '../models/capabilities.js';
import { LatentModel } from '../models/common/latent-model.js';
import { AdversarialBase } from '../models/gan/adversarial.js';
import { VqVae } from '../models/vq-vae/model.js';
import type { Model } from '../models/model.js';
import { noGrad } from '../tensor/autograd.js';
import { linspace, tensor } from '../tensor/create.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import type { OpenRun } from '../train/open-run.js';
import { version as latentlabVersion } from '../train/prepare.js';
import { writeFilesTogether } from '../util/fs.js';
import { encodeModel } from './onnx-proto.js';
import { traceGraph } from './trace-graph.js';

export { UnsupportedOperatorError } from './trace-graph.js';
export { supportedOperators } from './aten.js';
export { decodeModel, readMetadata, OPSET } from './onnx-proto.js';

/** The bytes of the exported ONNX models. */
export interface OnnxFiles {
  /** decoder.onnx: z [batch, latent] (+ labels) -> images [batch, C, H, W] in [0, 1]. */
  decoder: Uint8Array;
  /** null for GANs, which have no encoder. */
  encoder: Uint8Array | null;
  /** Models with discrete codes (vq-vae): the decoder from a grid of code indices. */
  codeDecoder?: Uint8Array;
}

type Role = 'decoder' | 'encoder' | 'code-decoder';

/** What the model file says about itself; `extra` (the run's dataset and class names) is added. */
function modelMetadata(model: Model, role: Role, extra: Record<string, string>): Record<string, string> {
  const meta: Record<string, string> = {
    latentlab_version: latentlabVersion(),
    model: model.modelName,
    graph: role,
    latent_dim: String(need(model, 'decoder', 'ONNX export').latentDim),
    image_shape: JSON.stringify(model.imageShape),
    num_classes: String(model.numClasses),
  };
  if (model instanceof LatentModel) {
    const l = model.likelihood;
    meta.likelihood = l.kind;
    if (l.kind === 'gaussian') meta.sigma = String(l.logSigma ? Math.exp(l.logSigma.item()) : l.sigma);
    const posterior = model.capabilities.posterior;
    if (posterior) meta.variance = posterior.variance;
  } else if (model instanceof AdversarialBase) {
    meta.likelihood = 'none (GAN generator)';
    meta.gan_loss = model.loss.name;
  }
  return { ...meta, ...extra };
}

/** A small example batch, on the model's device, for the trace (3, a size that shapes seldom restate by chance). */
function exampleBatch(model: Model): { z: Tensor; x: Tensor; label: Tensor | null } {
  const device = model.parameters()[0]?.device ?? 'cpu';
  const [c, h, w] = model.imageShape;
  const d = need(model, 'decoder', 'ONNX export').latentDim;
  return {
    z: linspace(-1.5, 1.5, 3 * d, { device }).reshape(3, d),
    x: linspace(0, 1, 3 * c * h * w, { device }).reshape(3, c, h, w),
    label: model.numClasses ? tensor([0, 1, model.numClasses - 1], { dtype: 'int64', device }) : null,
  };
}

/** One graph: `fn`'s outputs from `inputs`, traced on the example, as ONNX bytes. */
function graphFile(
  model: Model,
  role: Role,
  inputs: Record<string, Tensor>,
  fn: () => Record<string, Tensor>,
  extra: Record<string, string>,
): Uint8Array {
  const { graph, outputs } = traceGraph(model, inputs, fn);
  const io = (named: Record<string, Tensor>): string =>
    Object.entries(named)
      .map(([n, t]) => `${n} [batch, ${t.shape.slice(1).join(', ')}] ${t.dtype}`)
      .join(', ');
  const doc = `latentlab ${model.modelName} ${role}: ${io(inputs)} -> ${io(outputs)}${role !== 'encoder' ? ', pixels in [0, 1]' : ''}`;
  return encodeModel(
    graph.toModel({
      name: `${model.modelName}_${role}`,
      doc,
      producerVersion: latentlabVersion(),
      metadata: modelMetadata(model, role, extra),
    }),
  );
}

/**
 * The model's decoder and encoder as ONNX files (in memory), in eval mode (batch norm on its
 * running statistics); `extra` goes into the metadata. An UnsupportedOperatorError names an
 * operator the exporter cannot translate and the module that called it.
 */
export function exportOnnx(model: Model, extra: Record<string, string> = {}, o: { encoder?: boolean } = {}): OnnxFiles {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() =>
      tidy(() => {
        const ex = exampleBatch(model);
        const y = ex.label ?? undefined;
        const labels: Record<string, Tensor> = ex.label ? { label: ex.label } : {};
        const dec = need(model, 'decoder', 'ONNX export');
        const decoder = graphFile(
          model,
          'decoder',
          { z: ex.z, ...labels },
          () => ({ image: dec.decode(ex.z, y) }),
          extra,
        );
        const codeDecoder = model instanceof VqVae ? codeDecoderFile(model, extra) : undefined;
        const enc = model.capabilities.encoder;
        if (!enc || o.encoder === false) return { decoder, encoder: null, ...(codeDecoder ? { codeDecoder } : {}) };
        const encoder = graphFile(
          model,
          'encoder',
          { x: ex.x, ...labels },
          (): Record<string, Tensor> => {
            const { mu, logvar } = enc.encode(ex.x, y);
            return logvar ? { mu, logvar } : { mu };
          },
          extra,
        );
        return { decoder, encoder, ...(codeDecoder ? { codeDecoder } : {}) };
      }),
    );
  } finally {
    model.train(wasTraining);
  }
}

/** VQ-VAE's decoder from the code grid: codes [batch, h, w] int64 through the codebook to the image. */
function codeDecoderFile(model: VqVae, extra: Record<string, string>): Uint8Array {
  const cells = model.grid[0] * model.grid[1];
  const device = model.parameters()[0]?.device ?? 'cpu';
  const codes = tensor(
    Array.from({ length: 3 * cells }, (_, i) => (7 * i) % model.codes),
    { dtype: 'int64', device },
  ).reshape(3, ...model.grid);
  return graphFile(model, 'code-decoder', { codes }, () => ({ image: model.decodeCodes(codes) }), extra);
}

/** The run's part of the metadata: its dataset and class names. */
export function runMetadata(run: OpenRun): Record<string, string> {
  return { dataset: run.config.dataset, class_names: JSON.stringify(run.classNames) };
}

/** Exports `model` into the folder `out`: decoder.onnx and, with an encoder, encoder.onnx; gives the paths. Nothing is written if any part fails. */
export function saveOnnx(model: Model, out: string, extra: Record<string, string> = {}): string[] {
  const files = exportOnnx(model, extra);
  const list: [string, Uint8Array][] = [[join(out, 'decoder.onnx'), files.decoder]];
  if (files.encoder) list.push([join(out, 'encoder.onnx'), files.encoder]);
  if (files.codeDecoder) list.push([join(out, 'code-decoder.onnx'), files.codeDecoder]);
  writeFilesTogether(list);
  return list.map(([p]) => p);
}

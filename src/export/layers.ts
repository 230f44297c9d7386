/**
 * One ONNX converter per nn layer class (eval-mode semantics: batch norm on its running
 * statistics, dropout as the identity). A layer is matched by its exact class, so a subclass
 * with its own forward is refused rather than exported as its parent; a layer without a
 * converter is an UnsupportedLayerError naming its dotted path and class. Each converter runs
 * the layer on its input's example to learn the output shape it must produce.
 */
import { LeakyReLU, ReLU, Sigmoid, Softplus, Tanh } from '../nn/activation.js';
import { BatchNorm1d, BatchNorm2d } from '../nn/batchnorm.js';
import { Sequential } from '../nn/container.js';
import { Conv2d, ConvTranspose2d } from '../nn/conv.js';
import { Dropout } from '../nn/dropout.js';
import { Linear } from '../nn/linear.js';
import type { Layer, Module } from '../nn/module.js';
import { AvgPool2d, MaxPool2d, Upsample } from '../nn/pooling.js';
import { Flatten, Reshape, Unflatten } from '../nn/reshape.js';
import { ones, tensor, zeros } from '../tensor/create.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Attr, GraphBuilder, Value } from './graph.js';

export class UnsupportedLayerError extends Error {
  constructor(
    readonly path: string,
    readonly layerClass: string,
    reason = 'the ONNX exporter has no converter for this layer class',
  ) {
    super(`cannot export layer '${path}' (${layerClass}): ${reason}`);
    this.name = 'UnsupportedLayerError';
  }
}

type Converter<L extends Layer> = (g: GraphBuilder, layer: L, x: Value, path: string) => Value;

const CONVERTERS = new Map<Function, Converter<never>>();
function register<L extends Layer>(cls: abstract new (...args: never[]) => L, convert: Converter<L>): void {
  CONVERTERS.set(cls, convert as Converter<never>);
}

/** The layer classes the exporter converts. */
export function supportedLayers(): string[] {
  return [...CONVERTERS.keys()].map((c) => c.name);
}

/** Emits the nodes computing `layer` (registered at `path`) on `x`. */
export function convertLayer(g: GraphBuilder, layer: Module, x: Value, path: string): Value {
  const convert = CONVERTERS.get(layer.constructor) as Converter<Layer> | undefined;
  if (!convert) throw new UnsupportedLayerError(path, layer.constructor.name);
  return convert(g, layer as Layer, x, path);
}

/** Reshape to `target`'s shape with the batch dimension copied from the input (so any batch size works). */
export function reshapeKeepingBatch(g: GraphBuilder, x: Value, target: Tensor, name: string): Value {
  const shape = g.constant(`${name}.shape`, 'int64', [0, ...target.shape.slice(1)]);
  return g.node('Reshape', [x.name, shape], name, target);
}

/** A node on x alone whose output is the layer's forward on x's example. */
function unary(op: string, attrs: Record<string, Attr> = {}): Converter<Layer> {
  return (g, layer, x, path) => g.node(op, [x.name], path, layer.forward(x.example), attrs);
}

register(Sequential, (g, seq, x, path) => seq.layers.reduce((h, l, i) => convertLayer(g, l, h, `${path}.${i}`), x));
register(ReLU, unary('Relu'));
register(Sigmoid, unary('Sigmoid'));
register(Tanh, unary('Tanh'));
register(Softplus, unary('Softplus'));
register(Dropout, unary('Identity'));
register(LeakyReLU, (g, l, x, path) => unary('LeakyRelu', { alpha: { f: l.negativeSlope } })(g, l, x, path));

register(Linear, (g, l, x, path) => {
  const y = l.forward(x.example);
  const bias = l.bias ? [g.weight(`${path}.bias`, l.bias)] : [];
  if (x.example.ndim === 2)
    return g.node('Gemm', [x.name, g.weight(`${path}.weight`, l.weight), ...bias], path, y, { transB: { i: 1 } });
  const h = g.node('MatMul', [x.name, g.weight(`${path}.weight_t`, l.weight.t())], path, y);
  return bias.length ? g.node('Add', [h.name, bias[0]!], `${path}.add`, y) : h;
});

/** Conv/ConvTranspose attributes shared by both (PyTorch's symmetric padding as ONNX's begin/end pads). */
function convAttrs(l: Conv2d | ConvTranspose2d): Record<string, Attr> {
  return {
    kernel_shape: { ints: l.kernelSize },
    strides: { ints: l.stride },
    pads: { ints: [...l.padding, ...l.padding] },
    dilations: { ints: l.dilation },
    group: { i: l.groups },
  };
}
function convInputs(g: GraphBuilder, l: Conv2d | ConvTranspose2d, x: Value, path: string): string[] {
  return [x.name, g.weight(`${path}.weight`, l.weight), ...(l.bias ? [g.weight(`${path}.bias`, l.bias)] : [])];
}
register(Conv2d, (g, l, x, path) =>
  g.node('Conv', convInputs(g, l, x, path), path, l.forward(x.example), convAttrs(l)),
);
// ONNX's weight layout [in, out/groups, kH, kW] is PyTorch's; with explicit pads the output size is PyTorch's too.
register(ConvTranspose2d, (g, l, x, path) =>
  g.node('ConvTranspose', convInputs(g, l, x, path), path, l.forward(x.example), {
    ...convAttrs(l),
    output_padding: { ints: l.outputPadding },
  }),
);

function batchNorm(g: GraphBuilder, l: BatchNorm1d | BatchNorm2d, x: Value, path: string): Value {
  if (!l.runningMean || !l.runningVar)
    throw new UnsupportedLayerError(
      path,
      l.constructor.name,
      'without running statistics it normalises by batch statistics even in eval mode',
    );
  const n = l.numFeatures;
  const scale = l.weight ? g.weight(`${path}.weight`, l.weight) : g.weight(`${path}.weight`, ones([n]));
  const bias = l.bias ? g.weight(`${path}.bias`, l.bias) : g.weight(`${path}.bias`, zeros([n]));
  const inputs = [
    x.name,
    scale,
    bias,
    g.weight(`${path}.running_mean`, l.runningMean),
    g.weight(`${path}.running_var`, l.runningVar),
  ];
  return g.node('BatchNormalization', inputs, path, l.forward(x.example), { epsilon: { f: l.eps } });
}
register(BatchNorm1d, batchNorm);
register(BatchNorm2d, batchNorm);

/** The ONNX pooling output size (which lacks PyTorch's rule that a ceil-mode window may not start in the right padding). */
function onnxPoolSize(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = (size + 2 * p - d * (k - 1) - 1) / s;
  return (ceil ? Math.ceil(span) : Math.floor(span)) + 1;
}
function poolAttrs(
  l: MaxPool2d | AvgPool2d,
  x: Value,
  y: Tensor,
  path: string,
  dilation: [number, number],
): Record<string, Attr> {
  for (const i of [0, 1]) {
    const onnx = onnxPoolSize(
      x.example.size(2 + i),
      l.kernelSize[i]!,
      l.stride[i]!,
      l.padding[i]!,
      dilation[i]!,
      l.ceilMode,
    );
    if (onnx !== y.size(2 + i))
      throw new UnsupportedLayerError(
        path,
        l.constructor.name,
        `ONNX pooling would give ${onnx} instead of ${y.size(2 + i)} outputs along dimension ${2 + i} here`,
      );
  }
  return {
    kernel_shape: { ints: l.kernelSize },
    strides: { ints: l.stride },
    pads: { ints: [...l.padding, ...l.padding] },
    ceil_mode: { i: l.ceilMode ? 1 : 0 },
  };
}
register(MaxPool2d, (g, l, x, path) => {
  const y = l.forward(x.example);
  return g.node('MaxPool', [x.name], path, y, {
    ...poolAttrs(l, x, y, path, l.dilation),
    dilations: { ints: l.dilation },
  });
});
register(AvgPool2d, (g, l, x, path) => {
  // In ceil mode PyTorch divides a window that runs past the padding by its clipped size; ONNX does not.
  if (l.ceilMode)
    throw new UnsupportedLayerError(path, 'AvgPool2d', 'ceilMode averages partial windows differently in ONNX');
  const y = l.forward(x.example);
  return g.node('AveragePool', [x.name], path, y, { ...poolAttrs(l, x, y, path, [1, 1]), count_include_pad: { i: 1 } });
});

register(Upsample, (g, l, x, path) => {
  const y = l.forward(x.example);
  // PyTorch's nearest picks floor(dst * in/out): ONNX's 'asymmetric' coordinates with 'floor'.
  const attrs: Record<string, Attr> =
    l.mode === 'nearest'
      ? { mode: { s: 'nearest' }, coordinate_transformation_mode: { s: 'asymmetric' }, nearest_mode: { s: 'floor' } }
      : {
          mode: { s: 'linear' },
          coordinate_transformation_mode: { s: l.opts.alignCorners ? 'align_corners' : 'pytorch_half_pixel' },
        };
  if (l.opts.scaleFactor !== undefined) {
    const s = l.opts.scaleFactor;
    return g.node('Resize', [x.name, '', g.constant(`${path}.scales`, 'float32', [1, 1, s, s])], path, y, attrs);
  }
  // A fixed size: [N, C] from the input's shape (N is dynamic), then [H, W].
  const shape = g.node('Shape', [x.name], `${path}.shape`, tensor(x.example.shape, { dtype: 'int64' }));
  const nc = g.node(
    'Slice',
    [shape.name, g.constant(`${path}.start`, 'int64', [0]), g.constant(`${path}.end`, 'int64', [2])],
    `${path}.nc`,
    shape.example.slice(0, 0, 2),
  );
  const sizes = g.node(
    'Concat',
    [nc.name, g.constant(`${path}.hw`, 'int64', [...l.opts.size!])],
    `${path}.sizes`,
    tensor(y.shape, { dtype: 'int64' }),
    { axis: { i: 0 } },
  );
  return g.node('Resize', [x.name, '', '', sizes.name], path, y, attrs);
});

/** Shape layers: a Reshape that keeps the batch dimension, refused if the layer would change it. */
function shapeLayer(g: GraphBuilder, l: Layer, x: Value, path: string): Value {
  const y = l.forward(x.example);
  if (y.ndim === 0 || y.size(0) !== x.example.size(0))
    throw new UnsupportedLayerError(
      path,
      l.constructor.name,
      'it changes the batch dimension, which the exported graph keeps dynamic',
    );
  return reshapeKeepingBatch(g, x, y, path);
}
register(Flatten, shapeLayer);
register(Unflatten, shapeLayer);
register(Reshape, shapeLayer);

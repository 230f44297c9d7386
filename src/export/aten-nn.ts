/**
 * Converters of ATen's neural-network operators to ONNX, with eval-mode semantics: batch norm
 * on its running statistics, dropout as the identity. Where ONNX would compute something else
 * (a ceil-mode window PyTorch drops, a partial average window), the call is refused.
 */
import { ones, zeros } from '../tensor/create.js';
import { ints, isValue, num, val, type Arg, type Converter, type Fail } from './convert.js';
import type { Attr, GraphBuilder, Meta, Value } from './graph.js';

/** An optional tensor argument's name, or '' (ONNX's omitted input). */
const optional = (a: Arg): string[] => (isValue(a) ? [a.name] : []);

/** y = x W^T + b: Gemm for 2-D input, else MatMul with W transposed, then Add. */
const linear: Converter = (g, args, out, name, fail) => {
  const [x, w] = [val(args, 0, fail), val(args, 1, fail)];
  if (x.shape.length === 2)
    return [g.node('Gemm', [x.name, w.name, ...optional(args[2])], name, out[0]!, { transB: { i: 1 } })];
  const wt = g.node(
    'Transpose',
    [w.name],
    `${name}.weight_t`,
    { dtype: w.dtype, shape: [w.shape[1]!, w.shape[0]!] },
    { perm: { ints: [1, 0] } },
  );
  const h = g.node('MatMul', [x.name, wt.name], name, out[0]!);
  return isValue(args[2]) ? [g.node('Add', [h.name, args[2].name], `${name}.add`, out[0]!)] : [h];
};

/** Conv/ConvTranspose attributes shared by both (PyTorch's symmetric padding as ONNX's begin/end pads). */
function convAttrs(
  w: Value,
  stride: number[],
  pad: number[],
  dilation: number[],
  groups: number,
): Record<string, Attr> {
  return {
    kernel_shape: { ints: w.shape.slice(2) },
    strides: { ints: stride },
    pads: { ints: [...pad, ...pad] },
    dilations: { ints: dilation },
    group: { i: groups },
  };
}

// conv2d(input, weight, bias, stride, padding, dilation, groups)
const conv2d: Converter = (g, args, out, name, fail) => {
  const [x, w] = [val(args, 0, fail), val(args, 1, fail)];
  if (typeof args[4] === 'string') return fail(`padding '${args[4]}' (give the numbers)`);
  const attrs = convAttrs(w, ints(args, 3), ints(args, 4), ints(args, 5), num(args, 6, 1));
  return [g.node('Conv', [x.name, w.name, ...optional(args[2])], name, out[0]!, attrs)];
};

// conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation). ONNX's
// weight layout [in, out/groups, kH, kW] is PyTorch's; with explicit pads the output size is PyTorch's too.
const convTranspose2d: Converter = (g, args, out, name, fail) => {
  const [x, w] = [val(args, 0, fail), val(args, 1, fail)];
  const attrs = {
    ...convAttrs(w, ints(args, 3), ints(args, 4), ints(args, 7), num(args, 6, 1)),
    output_padding: { ints: ints(args, 5) },
  };
  return [g.node('ConvTranspose', [x.name, w.name, ...optional(args[2])], name, out[0]!, attrs)];
};

// batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled)
const batchNorm: Converter = (g, args, out, name, fail) => {
  const x = val(args, 0, fail);
  if (args[5] === true) return fail('batch norm in training mode normalises by batch statistics (export in eval mode)');
  if (!isValue(args[3]) || !isValue(args[4]))
    return fail('batch norm without running statistics uses batch statistics');
  const n = x.shape[1]!;
  const scale = isValue(args[1]) ? args[1] : g.weight(`${name}.weight`, ones([n]));
  const bias = isValue(args[2]) ? args[2] : g.weight(`${name}.bias`, zeros([n]));
  const inputs = [x.name, scale.name, bias.name, args[3].name, args[4].name];
  return [g.node('BatchNormalization', inputs, name, out[0]!, { epsilon: { f: num(args, 7, 1e-5) } })];
};

/** The ONNX pooling output size (which lacks PyTorch's rule that a ceil-mode window may not start in the right padding). */
function onnxPoolSize(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = (size + 2 * p - d * (k - 1) - 1) / s;
  return (ceil ? Math.ceil(span) : Math.floor(span)) + 1;
}

function poolAttrs(
  x: Value,
  out: Meta,
  k: number[],
  s: number[],
  p: number[],
  d: number[],
  ceil: boolean,
  fail: Fail,
): Record<string, Attr> {
  for (const i of [0, 1]) {
    const onnx = onnxPoolSize(x.shape[2 + i]!, k[i]!, s[i]!, p[i]!, d[i]!, ceil);
    if (onnx !== out.shape[2 + i])
      fail(`ONNX pooling would give ${onnx} instead of ${out.shape[2 + i]} outputs along dimension ${2 + i} here`);
  }
  return {
    kernel_shape: { ints: k },
    strides: { ints: s },
    pads: { ints: [...p, ...p] },
    ceil_mode: { i: ceil ? 1 : 0 },
  };
}

// max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode); an empty stride means the kernel size.
const maxPool2d: Converter = (g, args, out, name, fail) => {
  const x = val(args, 0, fail);
  const k = ints(args, 1);
  const s = ints(args, 2).length ? ints(args, 2) : k;
  const d = ints(args, 4);
  const attrs = poolAttrs(x, out[0]!, k, s, ints(args, 3), d, args[5] === true, fail);
  return [g.node('MaxPool', [x.name], name, out[0]!, { ...attrs, dilations: { ints: d } })];
};

// avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
const avgPool2d: Converter = (g, args, out, name, fail) => {
  const x = val(args, 0, fail);
  // In ceil mode PyTorch divides a window that runs past the padding by its clipped size; ONNX does not.
  if (args[4] === true) fail('ceil mode averages partial windows differently in ONNX');
  if (typeof args[6] === 'number') fail('a divisor override has no ONNX equivalent');
  const k = ints(args, 1);
  const s = ints(args, 2).length ? ints(args, 2) : k;
  const attrs = poolAttrs(x, out[0]!, k, s, ints(args, 3), [1, 1], false, fail);
  return [
    g.node('AveragePool', [x.name], name, out[0]!, { ...attrs, count_include_pad: { i: args[5] === false ? 0 : 1 } }),
  ];
};

/** Resize to the traced output's height and width, the batch and channels taken from the input at run time. */
function resize(
  g: GraphBuilder,
  x: Value,
  out: Meta,
  name: string,
  attrs: Record<string, Attr>,
  scales: number[] | null,
): Value {
  if (scales) {
    const c = g.constant(`${name}.scales`, 'float32', [1, 1, ...scales]);
    return g.node('Resize', [x.name, '', c], name, out, attrs);
  }
  const shape = g.node('Shape', [x.name], `${name}.shape`, { dtype: 'int64', shape: [x.shape.length] });
  const nc = g.node(
    'Slice',
    [shape.name, g.constant(`${name}.start`, 'int64', [0]), g.constant(`${name}.end`, 'int64', [2])],
    `${name}.nc`,
    { dtype: 'int64', shape: [2] },
  );
  const sizes = g.node(
    'Concat',
    [nc.name, g.constant(`${name}.hw`, 'int64', out.shape.slice(2))],
    `${name}.sizes`,
    { dtype: 'int64', shape: [4] },
    { axis: { i: 0 } },
  );
  return g.node('Resize', [x.name, '', '', sizes.name], name, out, attrs);
}

/** upsample_*2d.vec's scale factors, or null when it was given a size. */
const scalesOf = (a: Arg): number[] | null => (Array.isArray(a) && a.length ? (a as number[]) : null);

// upsample_nearest2d.vec(input, output_size, scale_factors): PyTorch's nearest picks floor(dst * in/out),
// ONNX's 'asymmetric' coordinates with 'floor'.
const upsampleNearest: Converter = (g, args, out, name, fail) => {
  const attrs: Record<string, Attr> = {
    mode: { s: 'nearest' },
    coordinate_transformation_mode: { s: 'asymmetric' },
    nearest_mode: { s: 'floor' },
  };
  return [resize(g, val(args, 0, fail), out[0]!, name, attrs, scalesOf(args[2]))];
};

// upsample_bilinear2d.vec(input, output_size, align_corners, scale_factors)
const upsampleBilinear: Converter = (g, args, out, name, fail) => {
  const attrs: Record<string, Attr> = {
    mode: { s: 'linear' },
    coordinate_transformation_mode: { s: args[2] === true ? 'align_corners' : 'pytorch_half_pixel' },
  };
  return [resize(g, val(args, 0, fail), out[0]!, name, attrs, scalesOf(args[3]))];
};

export const NN: Record<string, Converter> = {
  linear,
  conv2d,
  'conv_transpose2d.input': convTranspose2d,
  batch_norm: batchNorm,
  max_pool2d: maxPool2d,
  avg_pool2d: avgPool2d,
  'upsample_nearest2d.vec': upsampleNearest,
  'upsample_bilinear2d.vec': upsampleBilinear,
  dropout: (g, args, out, name, fail) => {
    if (args[2] === true) return fail('dropout in training mode is random (export in eval mode)');
    return [g.node('Identity', [val(args, 0, fail).name], name, out[0]!)];
  },
};

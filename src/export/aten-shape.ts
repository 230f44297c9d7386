/**
 * Converters of ATen's shape, indexing and type operators to ONNX. The graph keeps its batch
 * dimension dynamic: a reshape whose first entry is the input's first dimension copies it
 * (ONNX's 0), and shapes are otherwise spelled out from the traced example.
 */
import { axis, ints, num, unary, val, type Converter } from './convert.js';
import type { GraphBuilder, Meta, Value } from './graph.js';
import { DATA_TYPE } from './onnx-proto.js';

/** Past any dimension's end, for Slice (ONNX clamps it). */
const END = 2 ** 62;

/**
 * Reshape `x` to `target` (ATen's list: -1 for one inferred entry). A first entry equal to x's
 * first dimension is copied (ONNX's 0); one equal to the traced batch size, where x's first
 * dimension is something else ([B*N, D] -> [B, N, D]), is read from the graph's first input.
 */
function reshapeTo(g: GraphBuilder, x: Value, target: number[], name: string, out: Meta): Value {
  const first = target[0];
  if (first !== undefined && first !== -1 && x.shape.length > 0 && first === x.shape[0]) {
    return g.node('Reshape', [x.name, g.constant(`${name}.shape`, 'int64', [0, ...target.slice(1)])], name, out);
  }
  if (g.batch && first === g.batch.size) {
    const shape = g.node('Shape', [g.batch.input], `${name}.batch_shape`, { dtype: 'int64', shape: [1] });
    const starts = g.constant(`${name}.start`, 'int64', [0]);
    const ends = g.constant(`${name}.end`, 'int64', [1]);
    const batch = g.node('Slice', [shape.name, starts, ends], `${name}.batch`, { dtype: 'int64', shape: [1] });
    const rest = g.constant(`${name}.rest`, 'int64', target.slice(1));
    const dims = g.node(
      'Concat',
      [batch.name, rest],
      `${name}.shape`,
      { dtype: 'int64', shape: [target.length] },
      { axis: { i: 0 } },
    );
    return g.node('Reshape', [x.name, dims.name], name, out);
  }
  return g.node('Reshape', [x.name, g.constant(`${name}.shape`, 'int64', target)], name, out);
}

const reshape: Converter = (g, args, out, name, fail) => [
  reshapeTo(g, val(args, 0, fail), ints(args, 1), name, out[0]!),
];

/** flatten(start, end): dimensions before start copied, start..end merged, those after spelled out. */
const flatten: Converter = (g, args, out, name, fail) => {
  const x = val(args, 0, fail);
  const r = x.shape.length;
  if (r === 0) return [g.node('Reshape', [x.name, g.constant(`${name}.shape`, 'int64', [1])], name, out[0]!)];
  const [s, e] = [axis(num(args, 1, 0), r), axis(num(args, 2, -1), r)];
  const shape = [...Array<number>(s).fill(0), -1, ...x.shape.slice(e + 1)];
  return [g.node('Reshape', [x.name, g.constant(`${name}.shape`, 'int64', shape)], name, out[0]!)];
};

function transposeNode(
  g: GraphBuilder,
  x: Value,
  perm: number[],
  name: string,
  out: { dtype: string; shape: number[] },
): Value {
  return g.node('Transpose', [x.name], name, out, { perm: { ints: perm.map((p) => axis(p, x.shape.length)) } });
}

const swap = (r: number, a: number, b: number): number[] => {
  const perm = [...Array(r).keys()];
  [perm[axis(a, r)], perm[axis(b, r)]] = [perm[axis(b, r)]!, perm[axis(a, r)]!];
  return perm;
};

/** Slice of `x` along one axis. */
function slice(
  g: GraphBuilder,
  x: Value,
  dim: number,
  start: number,
  end: number,
  step: number,
  name: string,
  out: { dtype: string; shape: number[] },
): Value {
  const c = (what: string, v: number): string => g.constant(`${name}.${what}`, 'int64', [v]);
  const inputs = [x.name, c('starts', start), c('ends', end), c('axes', axis(dim, x.shape.length)), c('steps', step)];
  return g.node('Slice', inputs, name, out);
}

/** The ONNX element type code of a dtype, for Cast. */
function castTo(dtype: string): number {
  const code = (DATA_TYPE as Record<string, number>)[dtype];
  if (code === undefined) throw new Error(`the ONNX exporter handles float32, int64 and bool values, not ${dtype}`);
  return code;
}

const identity = unary('Identity');

export const SHAPE: Record<string, Converter> = {
  reshape,
  view: reshape,
  'flatten.using_ints': flatten,
  permute: (g, args, out, name, fail) => [transposeNode(g, val(args, 0, fail), ints(args, 1), name, out[0]!)],
  'transpose.int': (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    return [transposeNode(g, x, swap(x.shape.length, num(args, 1), num(args, 2)), name, out[0]!)];
  },
  t: (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    return [x.shape.length < 2 ? identity(g, args, out, name, fail)[0]! : transposeNode(g, x, [1, 0], name, out[0]!)];
  },
  unsqueeze: (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    const d = axis(num(args, 1), x.shape.length + 1);
    return [g.node('Unsqueeze', [x.name, g.constant(`${name}.axes`, 'int64', [d])], name, out[0]!)];
  },
  // The axes squeezed are those of size 1 when traced, never the batch (whose size 1 comes only at run time).
  squeeze: (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    const axes = x.shape.flatMap((d, i) => (d === 1 && i > 0 ? [i] : []));
    // No axes at all would squeeze every size-1 dimension at run time, the batch of 1 included.
    if (!axes.length) return identity(g, args, out, name, fail);
    return [g.node('Squeeze', [x.name, g.constant(`${name}.axes`, 'int64', axes)], name, out[0]!)];
  },
  'squeeze.dim': (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    const d = axis(num(args, 1), x.shape.length);
    if (x.shape[d] !== 1) return identity(g, args, out, name, fail);
    return [g.node('Squeeze', [x.name, g.constant(`${name}.axes`, 'int64', [d])], name, out[0]!)];
  },
  cat: (g, args, out, name, fail) => {
    const list = args[0] as Value[];
    if (!Array.isArray(list) || !list.length) return fail('cat of no tensors');
    return [
      g.node(
        'Concat',
        list.map((v) => v.name),
        name,
        out[0]!,
        { axis: { i: axis(num(args, 1, 0), list[0]!.shape.length) } },
      ),
    ];
  },
  stack: (g, args, out, name, fail) => {
    const list = args[0] as Value[];
    if (!Array.isArray(list) || !list.length) return fail('stack of no tensors');
    const d = axis(num(args, 1, 0), list[0]!.shape.length + 1);
    const axes = g.constant(`${name}.axes`, 'int64', [d]);
    const parts = list.map((v, i) => {
      const shape = [...v.shape.slice(0, d), 1, ...v.shape.slice(d)];
      return g.node('Unsqueeze', [v.name, axes], `${name}.${i}`, { dtype: v.dtype, shape }).name;
    });
    return [g.node('Concat', parts, name, out[0]!, { axis: { i: d } })];
  },
  'slice.Tensor': (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    const start = typeof args[2] === 'number' ? args[2] : 0;
    const end = typeof args[3] === 'number' ? args[3] : END;
    return [slice(g, x, num(args, 1, 0), start, end, num(args, 4, 1), name, out[0]!)];
  },
  narrow: (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    const dim = axis(num(args, 1), x.shape.length);
    const start = num(args, 2) < 0 ? num(args, 2) + x.shape[dim]! : num(args, 2);
    return [slice(g, x, dim, start, start + num(args, 3), 1, name, out[0]!)];
  },
  'select.int': (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    const index = g.constant(`${name}.index`, 'int64', [num(args, 2)], []);
    return [g.node('Gather', [x.name, index], name, out[0]!, { axis: { i: axis(num(args, 1), x.shape.length) } })];
  },
  index_select: (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    const at = axis(num(args, 1), x.shape.length);
    return [g.node('Gather', [x.name, val(args, 2, fail).name], name, out[0]!, { axis: { i: at } })];
  },
  embedding: (g, args, out, name, fail) => [
    g.node('Gather', [val(args, 0, fail).name, val(args, 1, fail).name], name, out[0]!, { axis: { i: 0 } }),
  ],
  gather: (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    const at = axis(num(args, 1), x.shape.length);
    return [g.node('GatherElements', [x.name, val(args, 2, fail).name], name, out[0]!, { axis: { i: at } })];
  },
  one_hot: (g, args, out, name, fail) => {
    const k = num(args, 1, -1);
    if (k < 0) return fail('one_hot needs its number of classes given (it is read from the data otherwise)');
    const depth = g.constant(`${name}.depth`, 'int64', [k], []);
    const values = g.constant(`${name}.values`, 'int64', [0, 1]);
    return [g.node('OneHot', [val(args, 0, fail).name, depth, values], name, out[0]!, { axis: { i: -1 } })];
  },
  'to.dtype_layout': (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    if (out[0]!.dtype === x.dtype) return identity(g, args, out, name, fail);
    return [g.node('Cast', [x.name], name, out[0]!, { to: { i: castTo(out[0]!.dtype) } })];
  },
  // Each entry that keeps x's size becomes 1, which ONNX's Expand broadcasts: the batch stays dynamic.
  expand: (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    const target = ints(args, 1);
    const lead = target.length - x.shape.length;
    const shape = target.map((d, i) => (d === -1 || (i >= lead && d === x.shape[i - lead]) ? 1 : d));
    return [g.node('Expand', [x.name, g.constant(`${name}.shape`, 'int64', shape)], name, out[0]!)];
  },
  repeat: (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    const reps = ints(args, 1);
    if (reps.length !== x.shape.length) return fail('repeat with more repeats than dimensions');
    return [g.node('Tile', [x.name, g.constant(`${name}.repeats`, 'int64', reps)], name, out[0]!)];
  },
  contiguous: identity,
  clone: identity,
  detach: identity,
  alias: identity,
};

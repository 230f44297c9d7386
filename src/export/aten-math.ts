/**
 * Converters of ATen's elementwise, comparison, reduction and matrix operators to ONNX
 * (opset 17: ReduceSum takes its axes as an input, the other reductions as an attribute).
 */
import { axis, ints, num, operand, unary, val, type Arg, type Converter } from './convert.js';
import type { GraphBuilder, Meta, Value } from './graph.js';

/** `x <op> scalar-or-tensor` with ATen's `alpha` (add and sub scale the second operand). */
function binary(op: string, withAlpha = false): Converter {
  return (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    let other = operand(g, args[1], x, name, fail);
    const alpha = withAlpha ? num(args, 2, 1) : 1;
    if (alpha !== 1) {
      const a = g.constant(`${name}.alpha`, x.dtype === 'int64' ? 'int64' : 'float32', [alpha], []);
      other = g.node('Mul', [other, a], `${name}.scaled`, out[0]!).name;
    }
    return [g.node(op, [x.name, other], name, out[0]!)];
  };
}

/** True division: integer operands are cast to float first, as ATen's div does. */
const divide: Converter = (g, args, out, name, fail) => {
  const float = (v: string, dtype: string): string =>
    dtype === 'float32'
      ? v
      : g.node('Cast', [v], `${name}.float`, { ...out[0]!, dtype: 'float32' }, { to: { i: 1 } }).name;
  const x = val(args, 0, fail);
  const other = args[1];
  const y = typeof other === 'number' ? g.constant(`${name}.scalar`, 'float32', [other], []) : (other as Value).name;
  const yType = typeof other === 'number' ? 'float32' : (other as Value).dtype;
  return [g.node('Div', [float(x.name, x.dtype), float(y, yType)], name, out[0]!)];
};

function compare(op: string, negate = false): Converter {
  return (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    const c = g.node(op, [x.name, operand(g, args[1], x, name, fail)], negate ? `${name}.eq` : name, out[0]!);
    return [negate ? g.node('Not', [c.name], name, out[0]!) : c];
  };
}

/** One node on the input, then one more on its result (e.g. Sqrt then Reciprocal). */
function twoSteps(first: string, second: string): Converter {
  return (g, args, out, name, fail) => {
    const h = g.node(first, [val(args, 0, fail).name], `${name}.${first.toLowerCase()}`, out[0]!);
    return [g.node(second, [h.name], name, out[0]!)];
  };
}

/** ReduceX over `dims` (all when null or absent), keeping them when `keepdim`. */
function reduce(op: string, dimsAt: number | null, keepAt: number | null): Converter {
  return (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    const d = dimsAt === null ? null : (args[dimsAt] as number[] | number | null | undefined);
    const keep = keepAt === null ? 0 : num(args, keepAt, 0);
    const axes = d === null || d === undefined ? [] : ints([d], 0).map((a) => axis(a, x.shape.length));
    if (op === 'ReduceSum') {
      const inputs = axes.length ? [x.name, g.constant(`${name}.axes`, 'int64', axes)] : [x.name];
      return [g.node(op, inputs, name, out[0]!, { keepdims: { i: keep } })];
    }
    return [
      g.node(op, [x.name], name, out[0]!, { keepdims: { i: keep }, ...(axes.length ? { axes: { ints: axes } } : {}) }),
    ];
  };
}

/** ArgMin/ArgMax along `dim`, or over all elements (flattened) when it is null. */
function argReduce(op: string): Converter {
  return (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    const dim = args[1];
    const keep = num(args, 2, 0);
    if (typeof dim !== 'number') {
      const flat = g.node('Reshape', [x.name, g.constant(`${name}.flat`, 'int64', [-1])], `${name}.flat`, {
        dtype: x.dtype,
        shape: [x.shape.reduce((a, b) => a * b, 1)],
      });
      return [g.node(op, [flat.name], name, out[0]!, { axis: { i: 0 }, keepdims: { i: keep } })];
    }
    return [g.node(op, [x.name], name, out[0]!, { axis: { i: axis(dim, x.shape.length) }, keepdims: { i: keep } })];
  };
}

/** max.dim / min.dim: the values and their indices. */
function valuesAndIndices(reduceOp: string, argOp: string): Converter {
  return (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    const attrs = { axes: { ints: [axis(num(args, 1), x.shape.length)] }, keepdims: { i: num(args, 2, 0) } };
    const values = g.node(reduceOp, [x.name], `${name}.values`, out[0]!, attrs);
    const indices = g.node(argOp, [x.name], `${name}.indices`, out[1]!, {
      axis: { i: attrs.axes.ints[0]! },
      keepdims: attrs.keepdims,
    });
    return [values, indices];
  };
}

/** Clip's optional bounds as constants of the input's type ('' when absent). */
function clip(g: GraphBuilder, x: Value, lo: Arg, hi: Arg, name: string, out: Meta): Value {
  const bound = (b: Arg, which: string): string => (typeof b === 'number' ? operand(g, b, x, `${name}.${which}`) : '');
  return g.node('Clip', [x.name, bound(lo, 'min'), bound(hi, 'max')], name, out);
}

export const MATH: Record<string, Converter> = {
  relu: unary('Relu'),
  sigmoid: unary('Sigmoid'),
  tanh: unary('Tanh'),
  log: unary('Log'),
  exp: unary('Exp'),
  sqrt: unary('Sqrt'),
  neg: unary('Neg'),
  abs: unary('Abs'),
  sign: unary('Sign'),
  floor: unary('Floor'),
  reciprocal: unary('Reciprocal'),
  sin: unary('Sin'),
  cos: unary('Cos'),
  rsqrt: twoSteps('Sqrt', 'Reciprocal'),
  // isfinite(x) = not (isinf(x) or isnan(x))
  isfinite: (g, args, out, name, fail) => {
    const x = val(args, 0, fail).name;
    const inf = g.node('IsInf', [x], `${name}.inf`, out[0]!);
    const nan = g.node('IsNaN', [x], `${name}.nan`, out[0]!);
    return [g.node('Not', [g.node('Or', [inf.name, nan.name], `${name}.or`, out[0]!).name], name, out[0]!)];
  },
  leaky_relu: unary('LeakyRelu', (a) => ({ alpha: { f: num(a, 1, 0.01) } })),
  // ONNX's Softplus has no threshold; above PyTorch's 20 the two differ by under 3e-9.
  softplus: (g, args, out, name, fail) => {
    const x = val(args, 0, fail);
    const beta = num(args, 1, 1);
    if (beta === 1) return [g.node('Softplus', [x.name], name, out[0]!)];
    const b = g.constant(`${name}.beta`, 'float32', [beta], []);
    const sp = g.node('Softplus', [g.node('Mul', [x.name, b], `${name}.scaled`, out[0]!).name], `${name}.sp`, out[0]!);
    return [g.node('Div', [sp.name, b], name, out[0]!)];
  },
  // log sigmoid(x) = -softplus(-x)
  log_sigmoid: (g, args, out, name, fail) => {
    const neg = g.node('Neg', [val(args, 0, fail).name], `${name}.neg`, out[0]!);
    return [g.node('Neg', [g.node('Softplus', [neg.name], `${name}.sp`, out[0]!).name], name, out[0]!)];
  },
  square: (g, args, out, name, fail) => {
    const x = val(args, 0, fail).name;
    return [g.node('Mul', [x, x], name, out[0]!)];
  },
  'add.Tensor': binary('Add', true),
  'add.Scalar': binary('Add', true),
  'sub.Tensor': binary('Sub', true),
  'sub.Scalar': binary('Sub', true),
  'mul.Tensor': binary('Mul'),
  'mul.Scalar': binary('Mul'),
  'div.Tensor': divide,
  'div.Scalar': divide,
  'pow.Tensor_Scalar': binary('Pow'),
  'pow.Tensor_Tensor': binary('Pow'),
  maximum: binary('Max'),
  minimum: binary('Min'),
  'eq.Tensor': compare('Equal'),
  'eq.Scalar': compare('Equal'),
  'ne.Tensor': compare('Equal', true),
  'ne.Scalar': compare('Equal', true),
  'gt.Tensor': compare('Greater'),
  'gt.Scalar': compare('Greater'),
  'ge.Tensor': compare('GreaterOrEqual'),
  'ge.Scalar': compare('GreaterOrEqual'),
  'lt.Tensor': compare('Less'),
  'lt.Scalar': compare('Less'),
  'le.Tensor': compare('LessOrEqual'),
  'le.Scalar': compare('LessOrEqual'),
  clamp: (g, args, out, name, fail) => [clip(g, val(args, 0, fail), args[1], args[2], name, out[0]!)],
  'where.self': (g, args, out, name, fail) => {
    const x = val(args, 1, fail);
    return [g.node('Where', [val(args, 0, fail).name, x.name, operand(g, args[2], x, name)], name, out[0]!)];
  },
  'lerp.Scalar': (g, args, out, name, fail) => {
    const [a, b] = [val(args, 0, fail), val(args, 1, fail)];
    const d = g.node('Sub', [b.name, a.name], `${name}.diff`, out[0]!);
    const w = g.node('Mul', [d.name, operand(g, args[2], a, `${name}.weight`)], `${name}.step`, out[0]!);
    return [g.node('Add', [a.name, w.name], name, out[0]!)];
  },
  // log(e^a + e^b) = max(a, b) + softplus(-|a - b|), stable for any a and b.
  logaddexp: (g, args, out, name, fail) => {
    const [a, b] = [val(args, 0, fail).name, val(args, 1, fail).name];
    const m = g.node('Max', [a, b], `${name}.max`, out[0]!);
    const d = g.node('Abs', [g.node('Sub', [a, b], `${name}.diff`, out[0]!).name], `${name}.abs`, out[0]!);
    const sp = g.node('Softplus', [g.node('Neg', [d.name], `${name}.neg`, out[0]!).name], `${name}.sp`, out[0]!);
    return [g.node('Add', [m.name, sp.name], name, out[0]!)];
  },
  'softmax.int': unary('Softmax', (a) => ({ axis: { i: num(a, 1) } })),
  'log_softmax.int': unary('LogSoftmax', (a) => ({ axis: { i: num(a, 1) } })),
  sum: reduce('ReduceSum', null, null),
  'sum.dim_IntList': reduce('ReduceSum', 1, 2),
  mean: reduce('ReduceMean', null, null),
  'mean.dim': reduce('ReduceMean', 1, 2),
  max: reduce('ReduceMax', null, null),
  min: reduce('ReduceMin', null, null),
  logsumexp: reduce('ReduceLogSumExp', 1, 2),
  'max.dim': valuesAndIndices('ReduceMax', 'ArgMax'),
  'min.dim': valuesAndIndices('ReduceMin', 'ArgMin'),
  argmax: argReduce('ArgMax'),
  argmin: argReduce('ArgMin'),
  matmul: (g, args, out, name, fail) => [
    g.node('MatMul', [val(args, 0, fail).name, val(args, 1, fail).name], name, out[0]!),
  ],
  mm: (g, args, out, name, fail) => [
    g.node('MatMul', [val(args, 0, fail).name, val(args, 1, fail).name], name, out[0]!),
  ],
  bmm: (g, args, out, name, fail) => [
    g.node('MatMul', [val(args, 0, fail).name, val(args, 1, fail).name], name, out[0]!),
  ],
};

/**
 * A model's ForwardPlan (models/common/forward-plan.ts) as an ONNX graph: module steps go
 * through layers.ts, the primitive operations between them are here. Every step also
 * computes its latentlab value on the example batch, so the graph's outputs come with the
 * values latentlab gives for them, which the caller compares with decode()/encode().
 */
import type { PlanStep, ForwardPlan } from '../models/common/forward-plan.js';
import { withLabels } from '../models/common/latent-model.js';
import type { Model } from '../models/model.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { GraphBuilder, type Value } from './graph.js';
import { convertLayer, reshapeKeepingBatch } from './layers.js';

const ELEMENTWISE: Record<'relu' | 'sigmoid' | 'softplus' | 'log', [string, (t: Tensor) => Tensor]> = {
  relu: ['Relu', (t) => t.relu()],
  sigmoid: ['Sigmoid', (t) => t.sigmoid()],
  softplus: ['Softplus', (t) => t.softplus()],
  log: ['Log', (t) => t.log()],
};

/** The example batch a plan is traced on: its input and, for conditional models, labels. */
export interface PlanInputs {
  input: Tensor;
  label: Tensor | null;
}

/** The graph of `plan` on `model`'s modules, and the latentlab value of each output on the example. */
export function buildGraph(
  model: Model,
  plan: ForwardPlan,
  ex: PlanInputs,
): { graph: GraphBuilder; outputs: Record<string, Tensor> } {
  const g = new GraphBuilder([plan.input, ...(ex.label ? ['label'] : []), ...Object.keys(plan.outputs)]);
  const modules = new Map<string, Module>(model.namedModules());
  const label = ex.label ? g.input('label', ex.label) : null;
  let prev = g.input(plan.input, ex.input);
  const values = new Map<string, Value>([[plan.input, prev]]);
  const lookup = (name: string): Value => {
    const v = values.get(name);
    if (!v) throw new Error(`internal error: ${model.modelName}'s export plan reads '${name}' before it is made`);
    return v;
  };
  for (const step of plan.steps) {
    const x = step.from !== undefined ? lookup(step.from) : prev;
    prev = emitStep(g, model, modules, step, x, label);
    if (step.as !== undefined) values.set(step.as, prev);
  }
  const outputs: Record<string, Tensor> = {};
  for (const [name, from] of Object.entries(plan.outputs)) {
    const v = lookup(from);
    g.output(name, v);
    outputs[name] = v.example;
  }
  return { graph: g, outputs };
}

function emitStep(
  g: GraphBuilder,
  model: Model,
  modules: Map<string, Module>,
  step: PlanStep,
  x: Value,
  label: Value | null,
): Value {
  if ('module' in step) {
    const m = modules.get(step.module);
    if (!m)
      throw new Error(`internal error: ${model.modelName} has no module '${step.module}' (its export plan names it)`);
    return convertLayer(g, m, x, step.module);
  }
  const name = step.as ?? step.op;
  switch (step.op) {
    case 'add':
    case 'mul': {
      const c = g.constant(`${name}.value`, 'float32', [step.value], []);
      return g.node(
        step.op === 'add' ? 'Add' : 'Mul',
        [x.name, c],
        name,
        step.op === 'add' ? x.example.add(step.value) : x.example.mul(step.value),
      );
    }
    case 'reshape':
      return reshapeKeepingBatch(g, x, x.example.reshape(x.example.size(0), ...step.shape), name);
    case 'label':
      return appendOneHot(g, model, x, label);
    default: {
      const [op, f] = ELEMENTWISE[step.op];
      return g.node(op, [x.name], name, f(x.example));
    }
  }
}

/** [B, F] features and the int64 labels [B] -> [B, F + K]: ONNX's OneHot (0 and 1 as float), then Concat. */
function appendOneHot(g: GraphBuilder, model: Model, x: Value, label: Value | null): Value {
  const k = model.numClasses;
  if (!label || !k)
    throw new Error(`internal error: ${model.modelName}'s export plan joins labels, but the model is not conditional`);
  const depth = g.constant('label.depth', 'int64', [k], []);
  const values = g.constant('label.values', 'float32', [0, 1]);
  const joined = withLabels(x.example, label.example, k, model.modelName);
  const oneHot = g.node('OneHot', [label.name, depth, values], 'label.one_hot', joined.slice(1, x.example.size(1)), {
    axis: { i: -1 },
  });
  return g.node('Concat', [x.name, oneHot.name], 'label.concat', joined, { axis: { i: 1 } });
}

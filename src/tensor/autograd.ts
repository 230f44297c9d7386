/**
 * Autograd beyond `Tensor.backward`: gradients as values (`grad`, with `createGraph` for
 * second-order terms such as WGAN-GP's gradient penalty) and scopes without a graph.
 */
import { native } from '../binding/native.js';
import { wrap, type Tensor } from './tensor.js';

/** Settings of {@link grad}, as torch.autograd.grad's. */
export interface GradOptions {
  /** Weights for non-scalar outputs (the vector in the vector-Jacobian product). */
  gradOutputs?: (Tensor | null)[];
  /** Keep the graph for another backward pass (default: createGraph). */
  retainGraph?: boolean;
  /** Record the gradient computation itself, so that it can be differentiated again. */
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/** d(sum of outputs)/d(input) for each input, as in torch.autograd.grad. */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor[], opts: GradOptions = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const create = opts.createGraph ?? false;
  const grads = opts.gradOutputs ? opts.gradOutputs.map((g) => g?.handle ?? null) : null;
  const result = native.grad(
    outs.map((t) => t.handle),
    inputs.map((t) => t.handle),
    grads,
    opts.retainGraph ?? create,
    create,
    opts.allowUnused ?? false,
  );
  return result.map((h) => (h ? wrap(h) : null));
}

function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = native.isGradEnabled();
  native.setGradEnabled(on);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}

/** Runs `fn` without recording operations for autograd (evaluation, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with autograd recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/** Whether operations are being recorded for autograd now (false inside {@link noGrad}). */
export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

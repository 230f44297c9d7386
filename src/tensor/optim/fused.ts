/**
 * When an optimizer may hand its update to the addon's fused step (native/src/optim.cc): every
 * tensor of the update (parameter, gradient, state) on the CPU, float32 or float64 alike, of
 * one size, and contiguous. Anything else (a GPU, float16, a strided gradient from autograd)
 * takes the reference path of ATen operators, with the same results and state.
 */
import { native } from '../../binding/native.js';
import type { Tensor } from '../tensor.js';

/** Whether the fused native step can update these tensors (see the file comment). */
export function fusable(...tensors: Tensor[]): boolean {
  const first = tensors[0];
  if (!first || (first.dtype !== 'float32' && first.dtype !== 'float64')) return false;
  const { dtype, numel } = first;
  return tensors.every(
    (t) => t.device === 'cpu' && t.dtype === dtype && t.numel === numel && native.isContiguous(t.handle),
  );
}

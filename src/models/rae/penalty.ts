/**
 * The decoder regularisers of RAEs (Partha Ghosh, Mehdi S. M. Sajjadi, Antonio Vergari, Michael
 * Black and Bernhard Schoelkopf 2020, "From Variational to Deterministic Autoencoders", ICLR;
 * arXiv:1903.12436, section 2.2): Tikhonov regularisation of the decoder's weights (RAE-L2) and
 * a gradient penalty on the decoder's output with respect to its input code (RAE-GP).
 */
import { grad } from '../../tensor/autograd.js';
import type { Tensor } from '../../tensor/tensor.js';

/**
 * ||theta||^2: the squared L2 norm of every decoder parameter (weights and biases), the paper's
 * L_REG for RAE-L2. pythae puts it in the optimizer as weight decay lambda, the gradient of
 * (lambda / 2) ||theta||^2; here it is a term of the loss, exact under any optimizer.
 */
export function l2Penalty(params: readonly Tensor[]): Tensor {
  if (params.length === 0) throw new RangeError('the L2 penalty needs at least one parameter');
  return params.map((p) => p.square().sum()).reduce((a, b) => a.add(b));
}

/**
 * sum_i ||grad_{z_i} sum_pixels D(z_i)||^2 over a batch: the RAE-GP penalty of each image,
 * summed. `out` is the decoder's output D(z) [B, ...], computed from the codes z [B, latent]
 * with autograd recording; images do not interact, so the gradient of the batch's sum with
 * respect to z gives each image's own. As in the paper's code (tf.gradients of the decoder's
 * output) and pythae's RAE_GP, the output is summed before differentiating: the penalty is
 * the squared norm of J^T 1, not the Jacobian's Frobenius norm (one backward pass, not one per
 * pixel). pythae differentiates with respect to the input image x; the paper's penalty, and
 * this one, is on the decoder, with respect to z. With `createGraph` the gradient is itself
 * differentiable, so the penalty's gradient with respect to the weights is the true
 * second-order one (as WGAN-GP's gradient penalty, gan/losses.ts).
 */
export function gradientPenalty(out: Tensor, z: Tensor, createGraph: boolean): Tensor {
  if (!z.requiresGrad)
    throw new Error('the gradient penalty needs codes that autograd records (run it with gradients enabled)');
  const [g] = grad(out.sum(), [z], { createGraph, retainGraph: true });
  return g!.square().sum();
}

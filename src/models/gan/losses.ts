/** WGAN-GP's gradient penalty (Gulrajani et al. 2017). */
import { grad } from '../../tensor/autograd.js';
import { rand } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';

/**
 * mean over the batch of (||grad_x critic(x_hat)||_2 - 1)^2 at x_hat, random points on the
 * lines between real and generated images. The gradient is taken with createGraph, so the
 * penalty's own gradient with respect to the critic's weights is a true second-order one.
 * `inputScale` converts the gradient to the critic network's own input units: latentlab's
 * critics see images in [0, 1] and map them to [-1, 1] (scale 0.5), and the penalty's
 * target of 1 is meant in the network's units, as in the paper.
 */
export function gradientPenalty(critic: (x: Tensor) => Tensor, real: Tensor, fake: Tensor, inputScale = 0.5): Tensor {
  const b = real.size(0);
  const eps = rand([b, ...real.shape.slice(1).map(() => 1)], { dtype: real.dtype, device: real.device });
  const xHat = real.add(fake.sub(real).mul(eps)).detach().requiresGrad_(true);
  const [g] = grad(critic(xHat).sum(), [xHat], { createGraph: true });
  return g!.reshape(b, -1).square().sum(1).add(1e-12).sqrt().mul(inputScale).sub(1).square().mean();
}

/**
 * The terms of the VAE objective (Kingma and Welling, 2014), summed over a batch so that
 * dividing by the batch size gives nats per image.
 */
import { binaryCrossEntropyWithLogits } from '../../tensor/functional.js';
import type { Tensor } from '../../tensor/tensor.js';

/**
 * KL(q(z|x) || N(0, I)) for a diagonal Gaussian q with mean `mu` and log-variance `logvar`:
 * -0.5 * sum(1 + logvar - mu^2 - exp(logvar)), Appendix B of the VAE paper.
 */
export function gaussianKl(mu: Tensor, logvar: Tensor): Tensor {
  return logvar.add(1).sub(mu.square()).sub(logvar.exp()).sum().mul(-0.5);
}

/** KL(q(z|x) || N(0, I)) of each image: [B]. */
export function gaussianKlPerImage(mu: Tensor, logvar: Tensor): Tensor {
  return logvar.add(1).sub(mu.square()).sub(logvar.exp()).sum(1).mul(-0.5);
}

/** -log p(x|z) of a Bernoulli decoder given its logits: binary cross-entropy, summed. */
export function bernoulliNll(logits: Tensor, x: Tensor): Tensor {
  return binaryCrossEntropyWithLogits(logits, x, 'sum');
}

/** z = mu + sigma * eps with eps ~ N(0, I): the reparameterisation trick. */
export function reparameterize(mu: Tensor, logvar: Tensor, eps: Tensor): Tensor {
  return mu.add(logvar.mul(0.5).exp().mul(eps));
}

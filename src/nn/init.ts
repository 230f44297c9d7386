/** PyTorch's default initialisations, so that models start where PyTorch's would. */
import { noGrad } from '../tensor/autograd.js';
import type { Tensor } from '../tensor/tensor.js';

/** Fan-in of a weight: in_features for Linear, in_channels * kH * kW for Conv2d. */
export function fanIn(weight: Tensor): number {
  const s = weight.shape;
  return s.length < 2 ? s[0]! : s.slice(1).reduce((a, b) => a * b, 1);
}

/**
 * kaiming_uniform_(w, a=sqrt(5)), torch.nn.Linear's and Conv2d's default: U(-b, b) with
 * b = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)), which gives b = 1 / sqrt(fan_in).
 */
export function kaimingUniformDefault(weight: Tensor, fan = fanIn(weight)): Tensor {
  const bound = 1 / Math.sqrt(fan);
  noGrad(() => weight.uniform_(-bound, bound));
  return weight;
}

/** U(-1/sqrt(fan_in), 1/sqrt(fan_in)): PyTorch's default for biases. */
export function biasUniformDefault(bias: Tensor, fan: number): Tensor {
  const bound = fan > 0 ? 1 / Math.sqrt(fan) : 0;
  noGrad(() => bias.uniform_(-bound, bound));
  return bias;
}

/** N(mean, std), as DCGAN's initialisation uses. */
export function normalInit(t: Tensor, mean = 0, std = 0.02): Tensor {
  noGrad(() => t.normal_(mean, std));
  return t;
}

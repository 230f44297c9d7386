/** Activation layers, for use in Sequential. */
import type { Tensor } from '../tensor/tensor.js';
import { Layer } from './module.js';

/** max(x, 0), as torch.nn.ReLU. */
export class ReLU extends Layer {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}
/** x where positive, negativeSlope * x elsewhere, as torch.nn.LeakyReLU (slope 0.01 by default). */
export class LeakyReLU extends Layer {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.leakyRelu(this.negativeSlope);
  }
}
/** 1 / (1 + exp(-x)), as torch.nn.Sigmoid. */
export class Sigmoid extends Layer {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}
/** tanh(x), as torch.nn.Tanh. */
export class Tanh extends Layer {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}
/** log(1 + exp(x)), as torch.nn.Softplus with beta 1 and threshold 20. */
export class Softplus extends Layer {
  forward(x: Tensor): Tensor {
    return x.softplus();
  }
}

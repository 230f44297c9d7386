/** Activation layers, for use in Sequential. */
import type { Tensor } from '../tensor/tensor.js';
import { Layer } from './module.js';

export class ReLU extends Layer {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}
export class LeakyReLU extends Layer {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.leakyRelu(this.negativeSlope);
  }
}
export class Sigmoid extends Layer {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}
export class Tanh extends Layer {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}
export class Softplus extends Layer {
  forward(x: Tensor): Tensor {
    return x.softplus();
  }
}

/** Sequential: layers applied in order, named "0", "1", ... as in torch.nn.Sequential. */
import type { Tensor } from '../tensor/tensor.js';
import { Layer } from './module.js';

/** Layers applied in order, each to the previous one's output, as torch.nn.Sequential. */
export class Sequential extends Layer {
  readonly layers: Layer[];
  constructor(...layers: Layer[]) {
    super();
    this.layers = layers.map((l, i) => this.module(String(i), l));
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (const l of this.layers) h = l.forward(h);
    return h;
  }
}

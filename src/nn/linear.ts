/** Fully connected layer y = x W^T + b, as torch.nn.Linear (weight [out, in]). */
import { zeros } from '../tensor/create.js';
import { linear } from '../tensor/functional.js';
import type { Tensor } from '../tensor/tensor.js';
import { biasUniformDefault, kaimingUniformDefault } from './init.js';
import { Layer } from './module.js';

/** y = x W^T + b for x [..., inFeatures]: [..., outFeatures], as torch.nn.Linear. */
export class Linear extends Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: { bias?: boolean } = {},
  ) {
    super();
    if (!(inFeatures > 0 && outFeatures > 0))
      throw new RangeError(`Linear(${inFeatures}, ${outFeatures}): sizes must be positive`);
    this.weight = this.param('weight', kaimingUniformDefault(zeros([outFeatures, inFeatures])));
    this.bias = opts.bias === false ? null : this.param('bias', biasUniformDefault(zeros([outFeatures]), inFeatures));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** Optimizers by name, with the run configuration's settings. */
import { Adadelta } from '../tensor/optim/adadelta.js';
import { Adam, AdamW } from '../tensor/optim/adam.js';
import type { Optimizer } from '../tensor/optim/optimizer.js';
import { RMSprop } from '../tensor/optim/rmsprop.js';
import { SGD } from '../tensor/optim/sgd.js';
import type { Tensor } from '../tensor/tensor.js';
import { effectiveLr, type RunConfig } from './config.js';

export function createOptimizer(c: Pick<RunConfig, 'optimizer' | 'lr' | 'weightDecay' | 'momentum'>, params: Tensor[]): Optimizer {
  const lr = effectiveLr(c as RunConfig);
  const weightDecay = c.weightDecay;
  switch (c.optimizer) {
    case 'adam':
      return new Adam(params, { lr, weightDecay });
    case 'adamw':
      return new AdamW(params, { lr, weightDecay });
    case 'sgd':
      return new SGD(params, { lr, momentum: c.momentum, weightDecay });
    case 'rmsprop':
      return new RMSprop(params, { lr, momentum: c.momentum, weightDecay });
    case 'adadelta':
      return new Adadelta(params, { lr, weightDecay });
  }
}

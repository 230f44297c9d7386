/** Optimizers by name, with the run configuration's settings. */
import { Adadelta } from '../tensor/optim/adadelta.js';
import { Adam, AdamW } from '../tensor/optim/adam.js';
import type { Optimizer } from '../tensor/optim/optimizer.js';
import { RMSprop } from '../tensor/optim/rmsprop.js';
import { SGD } from '../tensor/optim/sgd.js';
import type { Tensor } from '../tensor/tensor.js';
import type { AnyModel } from '../models/types.js';
import { adamBetas, effectiveLr, type RunConfig } from './config.js';
import { OptimizerPair, type TrainableOptimizer } from './objectives.js';

export function createOptimizer(
  c: Pick<RunConfig, 'optimizer' | 'lr' | 'weightDecay' | 'momentum' | 'model' | 'beta1' | 'beta2'>,
  params: Tensor[],
): Optimizer {
  const lr = effectiveLr(c);
  const betas = adamBetas(c);
  const weightDecay = c.weightDecay;
  switch (c.optimizer) {
    case 'adam':
      return new Adam(params, { lr, betas, weightDecay });
    case 'adamw':
      return new AdamW(params, { lr, betas, weightDecay });
    case 'sgd':
      return new SGD(params, { lr, momentum: c.momentum, weightDecay });
    case 'rmsprop':
      return new RMSprop(params, { lr, momentum: c.momentum, weightDecay });
    case 'adadelta':
      return new Adadelta(params, { lr, weightDecay });
  }
}

/** A model's optimizer: one for autoencoders and VAEs, a generator/discriminator pair for GANs. */
export function createModelOptimizer(c: RunConfig, model: AnyModel): TrainableOptimizer {
  if (model.family === 'adversarial') {
    return new OptimizerPair(
      createOptimizer(c, model.generator.parameters()),
      createOptimizer(c, model.discriminator.parameters()),
    );
  }
  return createOptimizer(c, model.parameters());
}

/** GAN losses: non-saturating, minimax and Wasserstein with the gradient penalty (Gulrajani et al. 2017). */
import { grad } from '../../tensor/autograd.js';
import { onesLike, rand, zerosLike } from '../../tensor/create.js';
import { binaryCrossEntropyWithLogits } from '../../tensor/functional.js';
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

/**
 * How a GAN's two networks are trained against each other: the discriminator's loss from its
 * outputs on real and generated images, the generator's loss from its outputs on generated
 * ones, and what the outputs read as (probabilities through the sigmoid, or critic values).
 */
export interface GanLoss {
  readonly name: 'nonsaturating' | 'minimax' | 'wasserstein-gp';
  /** Discriminator loss; `penalty` computes a regulariser on demand (WGAN-GP's gradient penalty). */
  discriminatorLoss(dReal: Tensor, dFake: Tensor, penalty: () => Tensor): { loss: Tensor; penalty: Tensor | null };
  /** The generator's loss, a mean over the batch, from the discriminator's outputs dFake [B] on generated images. */
  generatorLoss(dFake: Tensor): Tensor;
  /** The discriminator's outputs as reported: D(x) in (0, 1), or the critic's value. */
  readout(d: Tensor): Tensor;
}

/** Binary cross-entropy of real (1) and generated (0) images (Goodfellow et al. 2014). */
const bceDiscriminator = (dReal: Tensor, dFake: Tensor): { loss: Tensor; penalty: null } => ({
  loss: binaryCrossEntropyWithLogits(dReal, onesLike(dReal)).add(binaryCrossEntropyWithLogits(dFake, zerosLike(dFake))),
  penalty: null,
});

/** The generator minimises -log D(G(z)), which does not saturate when D wins early. */
export const nonSaturating: GanLoss = {
  name: 'nonsaturating',
  discriminatorLoss: bceDiscriminator,
  generatorLoss: (dFake) => binaryCrossEntropyWithLogits(dFake, onesLike(dFake)),
  readout: (d) => d.sigmoid(),
};

/** The original minimax game: the generator minimises log(1 - D(G(z))). */
export const minimax: GanLoss = {
  name: 'minimax',
  discriminatorLoss: bceDiscriminator,
  generatorLoss: (dFake) => binaryCrossEntropyWithLogits(dFake, zerosLike(dFake)).neg(),
  readout: (d) => d.sigmoid(),
};

/** WGAN-GP (Gulrajani et al. 2017): the critic minimises D(G(z)) - D(x) + weight * penalty; the generator -D(G(z)). */
export function wassersteinGp(weight: number): GanLoss {
  return {
    name: 'wasserstein-gp',
    discriminatorLoss: (dReal, dFake, penalty) => {
      const gp = penalty();
      return { loss: dFake.mean().sub(dReal.mean()).add(gp.mul(weight)), penalty: gp };
    },
    generatorLoss: (dFake) => dFake.mean().neg(),
    readout: (d) => d,
  };
}

/** The generator loss of a GAN with a discriminator, by the name `--gan-loss` takes. */
export function ganLoss(name: 'nonsaturating' | 'minimax'): GanLoss {
  return name === 'minimax' ? minimax : nonSaturating;
}

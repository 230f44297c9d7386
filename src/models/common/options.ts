/**
 * Options that several models share, declared once. An option name means one thing wherever
 * it appears: two models may both declare `latent` or `beta` only with the same schema (their
 * defaults and help may differ), which registry.ts checks. Model options never reuse the name
 * of a common setting (train/config.ts) or of a command's own flag (`eval --k`, `sample --n`):
 * IWAE's training samples are `--samples`, not `--k`.
 */
import { opt } from '../../util/options.js';

/** `--latent n`: latent dimensions, with the model's default. */
export const latentOption = (def: number) => opt.int(def, { min: 1, help: 'latent dimensions', arg: 'n' });

/** `--hidden n`: hidden units of the MLP layers (default 400). */
export const hiddenOption = opt.int(400, { min: 1, help: 'hidden units of the MLP layers', arg: 'n' });

/** The decoder's likelihood p(x|z), for autoencoders and VAEs. */
export const likelihoodOptions = {
  likelihood: opt.choice(['bernoulli', 'gaussian'], 'bernoulli', {
    help: 'decoder likelihood: Bernoulli (cross-entropy) or Gaussian (squared error)',
  }),
  sigma: opt.numOr('learned', 0.1, { help: "Gaussian decoder's standard deviation, or 'learned'", arg: 'x' }),
};

/** The Gaussian posterior and the weight of its KL term, for VAEs. */
export const vaeOptions = {
  ...likelihoodOptions,
  variance: opt.choice(['logvar', 'softplus'], 'logvar', {
    help: "q(z|x)'s variance as a log-variance or through softplus",
  }),
  beta: opt.num(1, { min: 0, help: 'weight of the KL term (beta-VAE, Higgins et al. 2017)', arg: 'x' }),
  klSchedule: opt.choice(['constant', 'linear', 'cyclical'], 'constant', {
    help: 'KL weight over training: constant beta, linear warm-up from 0, or cyclical annealing (Fu et al. 2019)',
  }),
  warmupEpochs: opt.num(10, { above: 0, help: 'epochs of the linear warm-up', arg: 'n' }),
  cycles: opt.int(4, { min: 1, help: 'cycles of cyclical annealing over the run', arg: 'n' }),
  cycleRatio: opt.num(0.5, { above: 0, max: 1, help: 'share of each cycle spent rising', arg: 'x' }),
};

/** `--layout`: the conv models' layout, 'strided' or 'keras', with the model's default. */
export const layoutOption = (def: 'strided' | 'keras') =>
  opt.choice(['strided', 'keras'], def, {
    help: 'conv layout: 32-64 stride-2 convolutions, or the Keras blog 16-8-8 max-pooling one (28x28)',
  });

/** What every GAN shares: the generator's loss and the critic's steps per generator step. */
export const ganOptions = (nCritic: number) => ({
  nCritic: opt.int(nCritic, { min: 1, help: 'discriminator (critic) steps per generator step', arg: 'n' }),
});

/** `--gan-loss`: the generator's loss, 'nonsaturating' (default) or 'minimax'. */
export const ganLossOption = opt.choice(['nonsaturating', 'minimax'], 'nonsaturating', {
  help: 'generator loss: non-saturating -log D(G(z)), or the original minimax log(1 - D(G(z)))',
});

/** `--width n`: channels of the outermost conv layers, doubling inwards (default 64). */
export const widthOption = opt.int(64, {
  min: 1,
  help: 'channels of the outermost conv layers (doubling inwards)',
  arg: 'n',
});

/** Common settings every GAN changes: grey levels (a discriminator would learn that real images are speckled), DCGAN's Adam. */
export const GAN_DEFAULTS = { binarize: 'none', lr: 2e-4, beta1: 0.5 } as const;

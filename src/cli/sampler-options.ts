/** --sampler and --components, shared by `sample` and `quality`, and the help text that explains them. */
import { type Command, Option } from 'commander';
import { DEFAULT_COMPONENTS } from '../inference/samplers/bic.js';
import { MAX_FIT_CODES } from '../inference/samplers/codes.js';
import { SAMPLER_KINDS, type SamplerKind } from '../inference/samplers/mixture.js';
import { positiveInt } from './parse.js';

export interface SamplerFlags {
  sampler: SamplerKind;
  components?: number;
}

const HELP = `
Samplers (--sampler):
  prior     the model's own prior p(z): N(0, I) for most, VampPrior's mixture (the default)
  gaussian  a full-covariance Gaussian fitted by maximum likelihood to the training codes
  gmm       a full-covariance Gaussian mixture fitted to the training codes by EM (Dempster
            et al. 1977; k-means++ start, ridge 1e-6 on covariances, seed 0, stop when the
            mean log-likelihood gains < 1e-3, at most 500 iterations)
  gaussian and gmm are ex-post density estimation (Ghosh et al. 2020): they need a model with an
  encoder and a decoder of the same flat code (autoencoders, VAEs), and they sample where the
  encoder actually puts images rather than where the prior says it should.
  --components K: the mixture's size. By default K is chosen by BIC (Schwarz 1978:
  -2 log L + p log N, lowest wins) among ${DEFAULT_COMPONENTS.join(', ')}, each K tried only with at least
  (latent size + 1) * K codes. The codes are the encoder's means of the run's training images
  (its validation split left out), at most ${MAX_FIT_CODES.toLocaleString('en')} of them: a seeded random subset beyond that.
  A fitted sampler is saved in the run folder (sampler-gaussian.safetensors,
  sampler-gmm.safetensors) and reused until the run's weights are newer; --components other
  than the saved size fits again.
`;

/** Adds --sampler and --components to `cmd`, with the help text above. */
export function addSamplerOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--sampler <name>',
        'where codes come from: the model prior, or a density fitted to the training codes',
      )
        .choices(SAMPLER_KINDS)
        .default('prior'),
    )
    .addOption(
      new Option('--components <K>', 'with --sampler gmm: mixture components (default: chosen by BIC)').argParser(
        positiveInt,
      ),
    )
    .addHelpText('after', HELP);
}

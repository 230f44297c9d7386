export type { GenerativeModel, LossTerms } from './types.js';
export { LatentModel, type LatentModelOptions } from './common/latent-model.js';
export { Likelihood, type LikelihoodName } from './common/likelihood.js';
export { gaussianKl, bernoulliNll, reparameterize } from './common/losses.js';
export { VaeMlp, type VaeMlpOptions } from './vae-mlp/model.js';
export { VaeConv } from './vae-conv/model.js';
export { AeMlp } from './ae-mlp/model.js';
export { AeConv } from './ae-conv/model.js';
export { MODELS, createModel } from './registry.js';

/**
 * What a trained model does for a user, without drawing: encode and decode, sample (from the
 * model's prior or a post-hoc sampler fitted to its codes), reconstruct, interpolate.
 */
export * from './latent.js';
export { SAMPLER_KINDS, MixtureSampler, type SamplerKind, type MixtureParams } from './samplers/mixture.js';
export { samplerForRun, fitSampler, checkSamplerChoice, type ResolvedSampler } from './samplers/for-run.js';
export { fitGaussian } from './samplers/gaussian.js';
export { fitGmm, type EmOptions, type GmmFit } from './samplers/gmm.js';
export { chooseByBic, bic, DEFAULT_COMPONENTS, type BicChoice } from './samplers/bic.js';
export { trainingCodes } from './samplers/codes.js';
export { loadSampler, saveSampler, freshSamplers } from './samplers/saved.js';

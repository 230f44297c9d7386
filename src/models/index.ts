export { VaeMlp, VAE_MLP_DEFAULTS, type VaeMlpConfig, type VaeOutput } from './vae-mlp/model.js';
export { gaussianKl, bernoulliNll, reparameterize } from './common/losses.js';

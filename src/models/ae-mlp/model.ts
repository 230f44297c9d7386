/** A plain MLP autoencoder: image -> hidden -> code -> hidden -> image, trained on reconstruction alone. */
import { MlpAutoencoder } from '../common/mlp-autoencoder.js';

/** A plain MLP autoencoder trained on -log p(x|z) of its point code alone (no KL term). */
export class AeMlp extends MlpAutoencoder {
  readonly modelName = 'ae-mlp';
}

/** A plain MLP autoencoder: image -> hidden -> code -> hidden -> image, trained on reconstruction alone. */
import { MlpAutoencoder } from '../common/mlp-autoencoder.js';

export class AeMlp extends MlpAutoencoder {
  readonly modelName = 'ae-mlp';
}

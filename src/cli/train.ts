/** `latentlab train`: trains the MLP VAE on the embedded MNIST and reports nats per image. */
import { BatchLoader } from '../data/loader.js';
import { loadMnist } from '../data/builtin.js';
import { VaeMlp } from '../models/vae-mlp/model.js';
import { Adam } from '../tensor/optim/adam.js';
import { manualSeed } from '../tensor/runtime.js';
import { evaluate, trainEpoch } from '../train/vae-loop.js';
import { progressBar } from './progress.js';

export interface TrainOptions {
  epochs: number;
  latent: number;
  hidden: number;
  batchSize: number;
  lr: number;
  seed: number;
  limit?: number;
  json: boolean;
}

export async function trainCommand(o: TrainOptions): Promise<void> {
  manualSeed(o.seed);
  const [trainSet, testSet] = await Promise.all([loadMnist('train'), loadMnist('test')]);
  const model = new VaeMlp({ inputDim: trainSet.dim, hidden: o.hidden, latent: o.latent });
  const opt = new Adam(model.parameters(), { lr: o.lr });
  const train = new BatchLoader(o.limit ? trainSet.take(o.limit) : trainSet, { batchSize: o.batchSize, binarize: 'dynamic', flatten: true });
  const test = new BatchLoader(testSet, { batchSize: 1000, shuffle: false, binarize: 'dynamic', flatten: true });
  const log = (obj: object, text: string): void => console.log(o.json ? JSON.stringify(obj) : text);
  if (!o.json) console.error(`training vae-mlp (784-${o.hidden}-${o.latent}) on MNIST: ${train.dataset.length} images, ${o.epochs} epoch(s)`);
  let last = { train_neg_elbo: NaN, test_neg_elbo: NaN };
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const bar = progressBar(`epoch ${epoch}/${o.epochs}`, train.numBatches, !o.json && process.stderr.isTTY);
    const tr = trainEpoch(model, opt, train, (done, s) =>
      bar.update(done, { loss: s.loss, recon: s.recon, kl: s.kl, 'img/s': Math.round(s.images / Math.max(s.seconds, 1e-9)) }),
    );
    bar.stop();
    const te = evaluate(model, test);
    last = { train_neg_elbo: round(tr.loss), test_neg_elbo: round(te.loss) };
    log(
      { epoch, ...last, recon: round(tr.recon), kl: round(tr.kl), sec: round(tr.seconds), images_per_sec: Math.round(tr.images / tr.seconds) },
      `epoch ${epoch}: train -ELBO ${tr.loss.toFixed(2)} nats (recon ${tr.recon.toFixed(2)}, KL ${tr.kl.toFixed(2)}), ` +
        `test -ELBO ${te.loss.toFixed(2)} nats, ${tr.seconds.toFixed(1)} s, ${Math.round(tr.images / tr.seconds)} images/s`,
    );
  }
  log({ done: true, epochs: o.epochs, ...last }, `done: test -ELBO ${last.test_neg_elbo} nats per image after ${o.epochs} epoch(s)`);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

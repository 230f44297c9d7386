/** Sample quality of any run that can sample: FID-style distance to the test set, Inception-style score, class coverage. */
import { join } from 'node:path';
import type { ImageDataset } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { randn } from '../tensor/create.js';
import { cat } from '../tensor/functional.js';
import { withSeed } from '../tensor/runtime.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import type { OpenRun } from '../train/open-run.js';
import { runDatasetSpec } from '../train/prepare.js';
import { writeFileAtomic } from '../util/fs.js';
import { decodeLatents } from '../viz/latent.js';
import { featuresAndProbs, loadOrTrainClassifier, type ClassifierInfo, type FeatureClassifier } from './classifier.js';
import { classHistogram, frechetDistance, inceptionScore } from './fid.js';

export interface SampleQuality {
  run: string;
  samples: number;
  fid: number;
  inception_score: number;
  class_counts: number[];
  classes_covered: number;
  class_entropy: number;
  feature_network: string;
  classifier_accuracy: number;
}

/** The classifier for a run's dataset (all classes, whatever the run trained on). */
export async function classifierFor(run: OpenRun, onEpoch?: (epoch: number, acc: number) => void): Promise<{ net: FeatureClassifier; info: ClassifierInfo }> {
  const spec = { ...runDatasetSpec(run.config, 'train'), classes: undefined, limit: undefined };
  return loadOrTrainClassifier(run.config.dataset, async () => ({ train: await loadDataset(spec), test: await loadDataset({ ...spec, split: 'test' }) }), { ...(onEpoch ? { onEpoch } : {}) });
}

/** Decoded samples from the prior, in batches: [n, C, H, W]. */
export function sampleMany(run: OpenRun, n: number, seed = 0, batch = 1000): Tensor {
  return withSeed(seed, () =>
    tidy(() => {
      const parts: Tensor[] = [];
      for (let i = 0; i < n; i += batch) parts.push(decodeLatents(run.model, randn([Math.min(batch, n - i), run.model.latentDim])));
      return cat(parts);
    }),
  );
}

export async function sampleQuality(run: OpenRun, o: { n: number; seed?: number; onEpoch?: (epoch: number, acc: number) => void }): Promise<SampleQuality> {
  const { net, info } = await classifierFor(run, o.onEpoch);
  const test: ImageDataset = await loadDataset({ ...runDatasetSpec(run.config, 'test'), classes: undefined });
  try {
    const result = tidy(() => {
      const samples = sampleMany(run, o.n, o.seed ?? 0);
      const fake = featuresAndProbs(net, samples);
      const real = featuresAndProbs(net, test.images.float().div(255));
      const hist = classHistogram(fake.probs);
      return {
        fid: frechetDistance(fake.features, real.features),
        is: inceptionScore(fake.probs),
        hist,
      };
    });
    const out: SampleQuality = {
      run: run.dir,
      samples: o.n,
      fid: Math.round(result.fid * 1000) / 1000,
      inception_score: Math.round(result.is * 1000) / 1000,
      class_counts: result.hist.counts,
      classes_covered: result.hist.covered,
      class_entropy: Math.round(result.hist.entropy * 1000) / 1000,
      feature_network: `latentlab's ${run.config.dataset} CNN classifier (128-d penultimate features; ${info.path})`,
      classifier_accuracy: info.accuracy,
    };
    writeFileAtomic(join(run.dir, 'sample-quality.json'), JSON.stringify(out, null, 2) + '\n');
    return out;
  } finally {
    net.dispose();
    test.dispose();
  }
}

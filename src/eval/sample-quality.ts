/** Sample quality of any run that can sample: FID-style distance to the test set, Inception-style score, class coverage. */
import { join } from 'node:path';
import type { ImageDataset } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import { cat } from '../tensor/functional.js';
import { getRngState, setRngState, withSeed } from '../tensor/runtime.js';
import type { RunConfig } from '../train/config.js';
import { keep, tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import type { OpenRun } from '../train/open-run.js';
import { runDatasetSpec } from '../train/prepare.js';
import { writeFileAtomic } from '../util/fs.js';
import { decodeLatents } from '../inference/latent.js';
import { need, type Prior } from '../models/capabilities.js';
import type { Model } from '../models/model.js';
import {
  featuresAndProbs,
  loadOrTrainClassifier,
  type ClassifierInfo,
  type ClassifierProfile,
  type FeatureClassifier,
} from './classifier.js';
import { classHistogram, frechetDistance, inceptionScore } from './fid.js';

/** The sample-quality report of a run, as written to its sample-quality*.json. */
export interface SampleQuality {
  run: string;
  /** Where the codes came from: 'prior' (the model's own p(z)), 'gaussian' or 'gmm' (fitted to the training codes). */
  sampler: string;
  /** Components of a fitted sampler. */
  sampler_components?: number;
  samples: number;
  /** The seed the samples were drawn with. */
  seed: number;
  /** Frechet distance between the samples' and the test set's classifier features. */
  fid: number;
  inception_score: number;
  /** Samples the classifier puts in each class. */
  class_counts: number[];
  /** Classes holding at least 1% of the samples. */
  classes_covered: number;
  /** Entropy of the class histogram (nats). */
  class_entropy: number;
  /** Conditional models: for each class k, the share of 1,000 samples asked for k that are classified as k. */
  label_accuracy?: number[];
  feature_network: string;
  classifier_accuracy: number;
  /** The reduced training of the feature network, or null for the real one. */
  classifier_profile: ClassifierProfile | null;
}

/** How a reduced classifier was trained, for the feature network's description. */
const profileText = (p: ClassifierProfile | null): string =>
  p
    ? `, a reduced network trained on the first ${p.images} training images for ${p.epochs} epoch${p.epochs === 1 ? '' : 's'}`
    : '';

/**
 * The classifier for a run's dataset (all classes, whatever the run trained on), trained and
 * cached on first use; a profile asks for a smaller one, cached apart. The caller's random
 * stream is left as it was, so a training run that loads it mid-way stays reproducible.
 */
export async function classifierFor(
  config: RunConfig,
  onEpoch?: (epoch: number, acc: number) => void,
  profile?: ClassifierProfile,
): Promise<{ net: FeatureClassifier; info: ClassifierInfo }> {
  const spec = { ...runDatasetSpec(config, 'train'), classes: undefined, limit: undefined };
  const rng = getRngState();
  try {
    // A reduced classifier loads only the training images it uses; the test set is always whole.
    const data = async (): Promise<{ train: ImageDataset; test: ImageDataset }> => ({
      train: await loadDataset({ ...spec, limit: profile?.images }),
      test: await loadDataset({ ...spec, split: 'test' }),
    });
    return await loadOrTrainClassifier(config.dataset, data, {
      ...(onEpoch ? { onEpoch } : {}),
      ...(profile ? { profile } : {}),
    });
  } finally {
    setRngState(rng);
    rng.dispose();
  }
}

/**
 * Decoded samples from the prior (the model's own unless given), in batches: [n, C, H, W];
 * conditional models cycle through the classes unless given one.
 */
export function sampleMany(
  model: Model,
  n: number,
  seed = 0,
  batch = 1000,
  label?: number,
  prior: Prior = need(model, 'prior', 'sampling'),
): Tensor {
  return withSeed(seed, () =>
    tidy(() => {
      const parts: Tensor[] = [];
      for (let i = 0; i < n; i += batch)
        parts.push(decodeLatents(model, prior.sample(Math.min(batch, n - i)), label ?? 'each'));
      return cat(parts);
    }),
  );
}

/** The classes the classifier sees in n samples: counts, classes holding at least 1% of them, and the entropy (nats). */
export function sampleClasses(
  net: FeatureClassifier,
  model: Model,
  n = 1000,
  seed = 0,
  prior?: Prior,
): { counts: number[]; covered: number; entropy: number } {
  return tidy(() => classHistogram(featuresAndProbs(net, sampleMany(model, n, seed, 1000, undefined, prior)).probs));
}

/** For conditional models: the share of n samples asked for class k that the classifier calls k, for each k. */
export function labelAccuracy(net: FeatureClassifier, model: Model, n = 1000, seed = 0, prior?: Prior): number[] {
  return Array.from({ length: model.numClasses }, (_, k) =>
    tidy(() => {
      const pred = featuresAndProbs(net, sampleMany(model, n, seed + k, 1000, k, prior)).probs.argmax(1);
      return pred.eq(k).float().mean().item();
    }),
  );
}

/** How sampleQuality samples and judges. */
export interface SampleQualityOptions {
  /** Samples to draw. */
  n: number;
  /** Default 0. */
  seed?: number;
  /** Hears the feature classifier's training when it is not cached yet: epoch and test accuracy. */
  onEpoch?: (epoch: number, acc: number) => void;
  /** A smaller feature network than the real one (see ClassifierProfile). */
  classifier?: ClassifierProfile;
  /** Sample from this prior instead of the model's (a fitted sampler, see inference/samplers/), named `name`. */
  sampler?: { name: string; prior: Prior; components?: number };
}

/** Where the result is written: sample-quality.json for the model's prior, sample-quality-<sampler>.json otherwise. */
export function sampleQualityFile(sampler = 'prior'): string {
  return sampler === 'prior' ? 'sample-quality.json' : `sample-quality-${sampler}.json`;
}

/**
 * What samples are judged with: the dataset's feature classifier and the test set's features,
 * computed once; the report keeps one for every run on the same test set. The caller disposes
 * it (`net` and `real`).
 */
export interface QualityJudge {
  net: FeatureClassifier;
  info: ClassifierInfo;
  /** The test set's features [N, 128]. */
  real: Tensor;
}

/** The judge for a run's dataset: its classifier (trained and cached on first use) and the whole test set's features. */
export async function qualityJudge(
  config: RunConfig,
  onEpoch?: (epoch: number, acc: number) => void,
  profile?: ClassifierProfile,
): Promise<QualityJudge> {
  const { net, info } = await classifierFor(config, onEpoch, profile);
  const test: ImageDataset = await loadDataset({ ...runDatasetSpec(config, 'test'), classes: undefined });
  try {
    return { net, info, real: keep(tidy(() => featuresAndProbs(net, test.images.float().div(255)).features)) };
  } catch (err) {
    net.dispose();
    throw err;
  } finally {
    test.dispose();
  }
}

/**
 * Draws n samples from the run's prior (or `o.sampler`) and judges them against `judge`: FID
 * against the test set's features, Inception Score, class coverage (and, for conditional
 * models, whether samples asked for class k are k); writes the result into the run folder.
 */
export function judgeSamples(
  run: OpenRun,
  judge: QualityJudge,
  o: Omit<SampleQualityOptions, 'onEpoch' | 'classifier'>,
): SampleQuality {
  const prior = o.sampler?.prior ?? need(run.model, 'prior', 'sampling');
  const { net, info, real } = judge;
  const result = tidy(() => {
    const fake = featuresAndProbs(net, sampleMany(run.model, o.n, o.seed ?? 0, 1000, undefined, prior));
    return {
      fid: frechetDistance(fake.features, real),
      is: inceptionScore(fake.probs),
      hist: classHistogram(fake.probs),
    };
  });
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  const out: SampleQuality = {
    run: run.dir,
    sampler: o.sampler?.name ?? 'prior',
    ...(o.sampler?.components !== undefined ? { sampler_components: o.sampler.components } : {}),
    samples: o.n,
    seed: o.seed ?? 0,
    fid: r3(result.fid),
    inception_score: r3(result.is),
    class_counts: result.hist.counts,
    classes_covered: result.hist.covered,
    class_entropy: r3(result.hist.entropy),
    ...(run.model.numClasses
      ? { label_accuracy: labelAccuracy(net, run.model, 1000, 0, prior).map((a) => Math.round(a * 1e4) / 1e4) }
      : {}),
    feature_network: `latentlab's ${run.config.dataset} CNN classifier (128-d penultimate features${profileText(info.profile)}; ${info.path})`,
    classifier_accuracy: info.accuracy,
    classifier_profile: info.profile,
  };
  writeFileAtomic(join(run.dir, sampleQualityFile(out.sampler)), JSON.stringify(out, null, 2) + '\n');
  return out;
}

/**
 * Draws n samples from the run's prior (or `o.sampler`) and judges them with the dataset's CNN classifier: FID
 * against the test set, Inception Score, class coverage; writes the result into the run folder.
 */
export async function sampleQuality(run: OpenRun, o: SampleQualityOptions): Promise<SampleQuality> {
  const judge = await qualityJudge(run.config, o.onEpoch, o.classifier);
  try {
    return judgeSamples(run, judge, o);
  } finally {
    judge.net.dispose();
    judge.real.dispose();
  }
}

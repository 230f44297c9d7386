/**
 * The feature network of latentlab's sample-quality scores: a small CNN per dataset
 * (Conv 32 - pool - Conv 64 - pool - Dense 128 - dropout - Dense classes), trained once by the
 * tool (Adam with a cosine learning-rate decay) and cached. Its 128-d penultimate activations are the features of the Fréchet distance, its
 * softmax the p(y|x) of the Inception-style score and of the class histogram of samples.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageDataset } from '../data/dataset.js';
import { BatchLoader } from '../data/loader.js';
import { cacheDir } from '../data/builtin.js';
import { ReLU } from '../nn/activation.js';
import { Sequential } from '../nn/container.js';
import { Conv2d } from '../nn/conv.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { Dropout } from '../nn/dropout.js';
import { MaxPool2d } from '../nn/pooling.js';
import { Flatten } from '../nn/reshape.js';
import { noGrad } from '../tensor/autograd.js';
import { cat, crossEntropy } from '../tensor/functional.js';
import { Adam } from '../tensor/optim/adam.js';
import { manualSeed } from '../tensor/runtime.js';
import { loadSafetensors, saveSafetensors } from '../tensor/safetensors.js';
import { disposeAll, tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';

/** The sample-quality CNN: 128-d features (body) and class logits (head) of images in [0, 1]. */
export class FeatureClassifier extends Module {
  readonly body: Sequential;
  readonly head: Sequential;
  constructor(
    readonly imageShape: [number, number, number],
    readonly numClasses: number,
  ) {
    super();
    const [c, h, w] = imageShape;
    const flat = 64 * Math.floor(Math.floor(h / 2) / 2) * Math.floor(Math.floor(w / 2) / 2);
    this.body = this.module(
      'body',
      new Sequential(
        new Conv2d(c, 32, 3, { padding: 1 }),
        new ReLU(),
        new MaxPool2d(2),
        new Conv2d(32, 64, 3, { padding: 1 }),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Linear(flat, 128),
        new ReLU(),
      ),
    );
    this.head = this.module('head', new Sequential(new Dropout(0.3), new Linear(128, numClasses)));
  }
  /** 128-d features of images [B, C, H, W] in [0, 1]. */
  features(x: Tensor): Tensor {
    return this.body.forward(x);
  }
  /** Class logits of images [B, C, H, W] in [0, 1]: [B, numClasses]. */
  logits(x: Tensor): Tensor {
    return this.head.forward(this.features(x));
  }
}

/** Features and class probabilities of many images, batched, without gradients. */
export function featuresAndProbs(
  net: FeatureClassifier,
  images: Tensor,
  batch = 500,
): { features: Tensor; probs: Tensor } {
  net.eval();
  return noGrad(() =>
    tidy(() => {
      const f: Tensor[] = [];
      const p: Tensor[] = [];
      for (let i = 0; i < images.size(0); i += batch) {
        const x = images.slice(0, i, Math.min(i + batch, images.size(0)));
        const feats = net.features(x);
        f.push(feats);
        p.push(net.head.forward(feats).softmax(1));
      }
      return { features: cat(f), probs: cat(p) };
    }),
  );
}

/** Test accuracy of the classifier on a dataset. */
export function accuracy(net: FeatureClassifier, ds: ImageDataset): number {
  let right = 0;
  net.eval();
  noGrad(() => {
    for (const b of new BatchLoader(ds, { batchSize: 1000, shuffle: false }).epoch()) {
      tidy(() => {
        const { x, y } = b.load();
        right += net.logits(x).argmax(1).eq(y).sum().item();
      });
    }
  });
  return right / ds.length;
}

export interface ClassifierInfo {
  path: string;
  dataset: string;
  accuracy: number;
  epochs: number;
  /** The reduced training this network had, or null for the real one (the whole training set). */
  profile: ClassifierProfile | null;
}

/**
 * A smaller feature network for quick checks (`reproduce --quick`, tests): trained on the first
 * `images` training images for `epochs` passes. It is cached under its own name, so it never
 * replaces the real classifier, and every score made with it says so.
 */
export interface ClassifierProfile {
  images: number;
  epochs: number;
}

export function classifierPath(dataset: string, profile?: ClassifierProfile): string {
  const suffix = profile ? `-first${profile.images}-e${profile.epochs}` : '';
  return join(cacheDir(), 'classifiers', `${dataset.replace(/[^\w.-]+/g, '_')}${suffix}.safetensors`);
}

/** Trains the feature classifier (Adam from 1e-3 with a cosine decay, batch 128) and returns its test accuracy. */
export function trainClassifier(
  net: FeatureClassifier,
  train: ImageDataset,
  test: ImageDataset,
  epochs: number,
  onEpoch?: (epoch: number, acc: number) => void,
): number {
  const opt = new Adam(net.parameters(), { lr: 1e-3 });
  const loader = new BatchLoader(train, { batchSize: 128 });
  let acc = 0;
  for (let e = 1; e <= epochs; e++) {
    opt.lr = 1e-3 * 0.5 * (1 + Math.cos((Math.PI * (e - 1)) / epochs));
    net.train(true);
    for (const b of loader.epoch()) {
      tidy(() => {
        const { x, y } = b.load();
        const loss = crossEntropy(net.logits(x), y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
      });
    }
    acc = accuracy(net, test);
    onEpoch?.(e, acc);
  }
  opt.dispose();
  return acc;
}

/**
 * The cached classifier for `dataset`, training it first when absent (`epochs` passes, seed 0;
 * a profile sets both the epochs and how many training images). The file holds its test
 * accuracy, so every score can say which network it used. The datasets `data` loads are
 * freed once it has trained.
 */
export async function loadOrTrainClassifier(
  dataset: string,
  data: () => Promise<{ train: ImageDataset; test: ImageDataset }>,
  o: {
    epochs?: number;
    onEpoch?: (epoch: number, acc: number) => void;
    retrain?: boolean;
    profile?: ClassifierProfile;
  } = {},
): Promise<{ net: FeatureClassifier; info: ClassifierInfo }> {
  const profile = o.profile ?? null;
  const path = classifierPath(dataset, o.profile);
  if (existsSync(path) && !o.retrain) {
    const saved = loadSafetensors(path);
    const meta = saved.metadata;
    const net = new FeatureClassifier(JSON.parse(meta.image_shape!) as [number, number, number], Number(meta.classes));
    try {
      net.loadStateDict(saved.tensors);
    } finally {
      disposeAll(saved.tensors);
    }
    return { net, info: { path, dataset, accuracy: Number(meta.accuracy), epochs: Number(meta.epochs), profile } };
  }
  const { train: all, test } = await data();
  const train = profile ? all.take(profile.images) : all;
  try {
    manualSeed(0);
    const net = new FeatureClassifier(train.imageShape, train.classNames.length);
    const epochs = profile?.epochs ?? o.epochs ?? 6;
    const acc = trainClassifier(net, train, test, epochs, o.onEpoch);
    saveSafetensors(path, net.stateDict(), {
      format: 'pt',
      dataset,
      accuracy: String(acc),
      epochs: String(epochs),
      train_images: String(train.length),
      image_shape: JSON.stringify(train.imageShape),
      classes: String(train.classNames.length),
    });
    return { net, info: { path, dataset, accuracy: acc, epochs, profile } };
  } finally {
    if (train !== all) train.dispose();
    all.dispose();
    test.dispose();
  }
}

/**
 * Section 3: the convolutional VAE (32-64 stride-2 convolutions, z=20, Adam) on MNIST and on
 * Fashion-MNIST (grey levels, as the notes' Tensorflow example reads them): samples,
 * reconstructions and latent maps (PCA of the 20-d codes), and the test ELBO of each.
 */
import type { ExperimentPlan } from './plan.js';
import { runSpec, type RunSpec } from './runs.js';
import type { FigureEntry, NumberEntry } from './types.js';
import { elboNumbers, evalRun, key, runFigure, type Section } from './section.js';

export const CONV_MNIST = 'vae-conv-mnist';
const CONV_FASHION = 'vae-conv-fashion';

export const vaeConvMnist = (plan: ExperimentPlan): RunSpec =>
  runSpec(CONV_MNIST, 'vae-conv on MNIST (dynamically binarized)', { model: 'vae-conv' }, plan.vaeConv);

const DATASETS = [
  { name: CONV_MNIST, label: 'MNIST' },
  { name: CONV_FASHION, label: 'Fashion-MNIST' },
];

export const vaeConv: Section = {
  id: 'vae-conv',
  title: 'Convolutional VAE on MNIST and Fashion-MNIST',
  runs: (plan) => [
    vaeConvMnist(plan),
    runSpec(
      CONV_FASHION,
      'vae-conv on Fashion-MNIST (grey levels)',
      { model: 'vae-conv', dataset: 'fashion-mnist', binarize: 'none' },
      plan.vaeConv,
    ),
  ],
  async analyse(ctx) {
    const numbers: NumberEntry[] = [];
    const figures: FigureEntry[] = [];
    for (const { name, label } of DATASETS) {
      const { result, command } = await evalRun(ctx, name, 0, null);
      numbers.push(...elboNumbers(label, result, command));
      figures.push(
        key(runFigure(ctx, name, 'samples.png', `${label}: samples from z ~ N(0, I)`)),
        runFigure(ctx, name, 'reconstructions.png', `${label}: test images (odd rows) and reconstructions`),
        runFigure(
          ctx,
          name,
          'latent-map.png',
          `${label}: codes of 5,000 test images, projected on their two main principal directions`,
        ),
      );
    }
    return {
      intro:
        'The same VAE objective with a convolutional encoder and decoder, trained with Adam. On Fashion-MNIST the Bernoulli ' +
        "likelihood is applied to grey levels, so its numbers are not comparable with MNIST's binarized ones.",
      numbers,
      tables: [],
      figures,
      notes: [],
    };
  },
};

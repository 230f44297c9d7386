/**
 * Section 7: GAN, DCGAN and WGAN-GP against the VAEs of sections 2 and 3: samples of each,
 * the FID-style and Inception-style scores of `latentlab quality` on the features of
 * latentlab's MNIST classifier, and the class coverage of the samples (the mode-collapse watch).
 */
import { getModel } from '../models/registry.js';
import type { RunConfig } from '../train/config.js';
import type { ExperimentPlan, TrainSize } from './plan.js';
import { runSpec, type RunSpec } from './runs.js';
import { key, qualityRun, runFigure, type Section } from './section.js';
import type { FigureEntry, NumberEntry } from './types.js';
import { CONV_MNIST, vaeConvMnist } from './vae-conv.js';
import { Z20, vaeMlpZ20 } from './vae-mlp.js';

const GANS: { name: string; title: string; model: RunConfig['model']; size: (p: ExperimentPlan) => TrainSize }[] = [
  {
    name: 'gan-mlp',
    title: 'GAN with MLP networks (Goodfellow et al. 2014), z=100',
    model: 'gan-mlp',
    size: (p) => p.gans.ganMlp,
  },
  {
    name: 'dcgan',
    title: 'DCGAN (Radford et al. 2016), z=100, 64 channels',
    model: 'dcgan',
    size: (p) => p.gans.dcgan,
  },
  {
    name: 'wgan-gp',
    title: 'WGAN-GP (Gulrajani et al. 2017), 5 critic steps per generator step',
    model: 'wgan-gp',
    size: (p) => p.gans.wgan,
  },
];

/** Every run compared: the GANs, then the two VAEs trained for the earlier sections. */
function specs(plan: ExperimentPlan): RunSpec[] {
  return [
    ...GANS.map((g) => runSpec(g.name, g.title, { model: g.model }, g.size(plan))),
    vaeMlpZ20(plan),
    vaeConvMnist(plan),
  ];
}

const pct = (x: number): number => Math.round(x * 1000) / 10;

/** Below full size, how few generator updates each GAN had: their samples are not yet digits. */
function generatorSteps(plan: ExperimentPlan): string[] {
  if (plan.scale === 'full') return [];
  const steps = specs(plan)
    .filter((s) => getModel(s.config.model).watchClasses)
    .map(
      (s) =>
        `${s.name} ${Math.floor((Math.ceil((s.config.limit ?? 60000) / s.config.batchSize) * s.config.epochs) / Number(s.config.nCritic ?? 1))}`,
    );
  return [
    `At this scale the GANs made few generator updates (${steps.join(', ')}); they need thousands to draw digits, as the full run gives them.`,
  ];
}

export const gans: Section = {
  id: 'gans',
  title: 'GAN, DCGAN and WGAN-GP against the VAE',
  runs: specs,
  async analyse(ctx) {
    const rows: (string | number)[][] = [];
    const figures: FigureEntry[] = [];
    const numbers: NumberEntry[] = [];
    const commands: string[] = [];
    let network = { name: '', accuracy: 0, command: '' };
    for (const spec of specs(ctx.plan)) {
      const { result: q, command } = await qualityRun(ctx, spec.name);
      commands.push(command);
      const total = q.class_counts.reduce((a, b) => a + b, 0);
      rows.push([
        spec.name,
        spec.config.epochs,
        q.fid,
        q.inception_score,
        q.classes_covered,
        pct(Math.min(...q.class_counts) / total),
        pct(Math.max(...q.class_counts) / total),
      ]);
      numbers.push({
        label: `${spec.name}: FID-style distance of ${q.samples.toLocaleString('en')} samples to the test set`,
        value: q.fid,
        unit: '',
        command,
      });
      figures.push(key(runFigure(ctx, spec.name, 'samples.png', `${spec.name}: samples (${spec.title})`)));
      network = { name: q.feature_network, accuracy: q.classifier_accuracy, command };
    }
    figures.push(
      runFigure(ctx, 'dcgan', 'curves.png', 'dcgan: losses and mean discriminator outputs per epoch'),
      runFigure(ctx, 'wgan-gp', 'curves.png', 'wgan-gp: losses and the Wasserstein estimate per epoch'),
    );
    return {
      intro:
        'The GANs train on grey levels with two Adam optimizers (2e-4, beta1 0.5; WGAN-GP 1e-4 with betas 0.5/0.9). The VAEs are ' +
        `the z=20 MLP VAE (${Z20}) and the conv VAE on MNIST (${CONV_MNIST}). Scores compare samples with the test set on the ` +
        "features of latentlab's MNIST classifier: lower FID-style distance is better; the Inception-style score is at most 10.",
      numbers: [
        ...numbers,
        {
          label: "the feature network's accuracy on the MNIST test set",
          value: network.accuracy,
          unit: 'fraction',
          command: network.command,
        },
      ],
      tables: [
        {
          caption:
            'sample quality (FID-style and Inception-style scores; share of samples in the rarest and commonest class, %)',
          columns: [
            'run',
            'epochs',
            'FID-style',
            'Inception-style',
            'classes covered (>= 1%)',
            'rarest class %',
            'commonest class %',
          ],
          rows,
          command: commands.join('; '),
        },
      ],
      figures,
      notes: [
        `Feature network: ${network.name}, test accuracy ${pct(network.accuracy)}%.`,
        ...generatorSteps(ctx.plan),
        ...(ctx.plan.gans.samples < 10000
          ? [
              `FID-style distances from ${ctx.plan.gans.samples.toLocaleString('en')} samples are biased upwards against the usual 10,000: compare them only with each other.`,
            ]
          : []),
      ],
    };
  },
};

/** `latentlab quality` (sample quality of a run) and `latentlab classifier` (the cached feature network). */
import { Command, Option } from 'commander';
import { BUILTIN } from '../data/builtin.js';
import { loadDataset } from '../data/load.js';
import { loadOrTrainClassifier } from '../eval/classifier.js';
import { sampleQuality, type SampleQuality } from '../eval/sample-quality.js';
import { samplerForRun } from '../inference/samplers/for-run.js';
import { withOpenRun } from '../train/open-run.js';
import { addSamplerOptions, type SamplerFlags } from './sampler-options.js';
import { nonNegativeIntArg, positiveInt } from './parse.js';

export function qualityCommands(): Command[] {
  const quality = addSamplerOptions(
    new Command('quality').description(
      "sample quality of a run: FID-style distance to the test set and Inception-style score on a classifier's features, and the class histogram of samples; --sampler scores codes from a density fitted to the training codes instead of the prior (written to sample-quality-<sampler>.json)",
    ),
  )
    .requiredOption('--run <dir>', 'the run directory')
    .addOption(new Option('--n <n>', 'samples to draw').argParser(positiveInt).default(10000))
    .addOption(new Option('--seed <n>', 'random seed of the samples').argParser(nonNegativeIntArg).default(0))
    .addOption(
      new Option(
        '--classifier-images <n>',
        'use a smaller feature network, trained on the first n training images (cached apart from the real one)',
      ).argParser(positiveInt),
    )
    .addOption(
      new Option('--classifier-epochs <n>', 'with --classifier-images: its training epochs')
        .argParser(positiveInt)
        .default(2),
    )
    .option('--json', 'print the result as one JSON line')
    .action(
      async (
        o: SamplerFlags & {
          run: string;
          n: number;
          seed: number;
          classifierImages?: number;
          classifierEpochs: number;
          json?: boolean;
        },
      ) => {
        await withOpenRun(o.run, async (run) => {
          const s = await samplerForRun(run, o.sampler, {
            ...(o.components !== undefined ? { components: o.components } : {}),
            onNote: (text) => !o.json && console.error(text),
          });
          if (!o.json && s.kind !== 'prior') console.error(`sampler: ${s.note}`);
          let r: SampleQuality;
          try {
            r = await sampleQuality(run, {
              sampler: {
                name: s.kind,
                prior: s.prior,
                ...(s.components !== undefined ? { components: s.components } : {}),
              },
              n: o.n,
              seed: o.seed,
              onEpoch: (e, acc) =>
                !o.json &&
                console.error(`training the feature classifier: epoch ${e}, test accuracy ${(acc * 100).toFixed(2)}%`),
              ...(o.classifierImages ? { classifier: { images: o.classifierImages, epochs: o.classifierEpochs } } : {}),
            });
          } finally {
            s.dispose();
          }
          if (o.json) console.log(JSON.stringify(r));
          else {
            console.log(
              `FID ${r.fid.toFixed(2)}, Inception-style score ${r.inception_score.toFixed(2)} (${r.samples} samples${r.sampler === 'prior' ? '' : ` from the ${r.sampler} sampler`} against the test set)`,
            );
            console.log(
              `classes covered ${r.classes_covered} of ${r.class_counts.length}: ${r.class_counts.join(' ')}`,
            );
            if (r.label_accuracy)
              console.log(
                `samples asked for class k and classified as k (1,000 per class): ${r.label_accuracy.map((a, k) => `${k}: ${(100 * a).toFixed(1)}%`).join(', ')}`,
              );
            console.log(
              `feature network: ${r.feature_network}, test accuracy ${(r.classifier_accuracy * 100).toFixed(2)}%`,
            );
          }
        });
      },
    );
  const classifier = new Command('classifier')
    .description('train (or show) the cached classifier whose features the sample-quality scores use')
    .addOption(
      new Option('--dataset <name>', `a built-in dataset (${Object.keys(BUILTIN).join(', ')})`).default('mnist'),
    )
    .addOption(new Option('--epochs <n>', 'training epochs').argParser(positiveInt).default(6))
    .option('--retrain', 'train again even if cached')
    .option('--json', 'print the result as one JSON line')
    .action(async (o: { dataset: string; epochs: number; retrain?: boolean; json?: boolean }) => {
      const { net, info } = await loadOrTrainClassifier(
        o.dataset,
        async () => ({
          train: await loadDataset({ dataset: o.dataset, split: 'train' }),
          test: await loadDataset({ dataset: o.dataset, split: 'test' }),
        }),
        {
          epochs: o.epochs,
          retrain: Boolean(o.retrain),
          onEpoch: (e, acc) => !o.json && console.error(`epoch ${e}: test accuracy ${(acc * 100).toFixed(2)}%`),
        },
      );
      net.dispose();
      console.log(
        o.json
          ? JSON.stringify(info)
          : `${o.dataset} classifier: test accuracy ${(info.accuracy * 100).toFixed(2)}% (${info.path})`,
      );
    });
  return [quality, classifier];
}

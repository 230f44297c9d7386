/**
 * Section 1: the Keras blog's convolutional autoencoder as the course notes train it: 1,000
 * MNIST training images, 10 epochs, Adadelta, binary cross-entropy on grey levels; the code
 * is the 8x4x4 feature map itself (latent 128). Reconstructions of the test images, the mean
 * BCE over all of them, and the animation over training.
 */
import { evalRun, key, runFigure, type Section } from './section.js';
import { runSpec } from './runs.js';

const NAME = 'ae-conv-keras';

export const autoencoder: Section = {
  id: 'autoencoder',
  title: 'Conv autoencoder on MNIST (Keras layout, Adadelta, binary cross-entropy)',
  runs: (plan) => [
    // Test passes in batches of 100: at 1,000, its 16x28x28 feature maps (50 MB) are fresh allocations each time, 10 times slower here.
    runSpec(
      NAME,
      'ae-conv, Keras 16-8-8 layout, code = the 8x4x4 feature map',
      { model: 'ae-conv', latent: 128, optimizer: 'adadelta', binarize: 'none', evalBatchSize: 100 },
      plan.autoencoder,
    ),
  ],
  async analyse(ctx) {
    const { result: e, command } = await evalRun(ctx, NAME, 0, ctx.plan.autoencoder.testImages);
    const pixels = 28 * 28;
    const of = `${e.test_images.toLocaleString('en')} test images`;
    const { images, epochs } = ctx.plan.autoencoder;
    return {
      intro:
        "The notes' first experiment (Keras code: Conv 16-8-8 with max-pooling, mirrored with up-sampling, sigmoid output, " +
        "`compile(optimizer='adadelta', loss='binary_crossentropy')`), trained on the first 1,000 training images for 10 epochs " +
        `(here: ${images?.toLocaleString('en') ?? 'all'} images, ${epochs} epochs) and checked on the test images. ` +
        'The loss is the Bernoulli cross-entropy on grey levels, as Keras computes it.',
      numbers: [
        {
          label: `mean binary cross-entropy over ${of} (summed over ${pixels} pixels)`,
          value: e.test_recon,
          unit: 'nats per image',
          command,
        },
        {
          label: `the same per pixel (Keras's binary_crossentropy)`,
          value: Math.round((e.test_recon / pixels) * 1e5) / 1e5,
          unit: 'nats per pixel',
          command,
        },
      ],
      tables: [],
      figures: [
        key(
          runFigure(
            ctx,
            NAME,
            'reconstructions.png',
            'test images (odd rows) and their reconstructions (the row below)',
          ),
        ),
        runFigure(
          ctx,
          NAME,
          'progress.gif',
          'after each epoch: decoded N(0, I) codes (left; a plain autoencoder has no prior, so they mean little) and the same test images reconstructed (right)',
        ),
        runFigure(ctx, NAME, 'curves.png', 'reconstruction loss per epoch, training and test'),
      ],
      notes: [],
    };
  },
};

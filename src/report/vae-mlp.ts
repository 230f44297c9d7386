/**
 * Section 2: the MLP VAE of the notes (784-400-z, Bernoulli decoder, dynamically binarized
 * MNIST, Adam). With z=2: the 2-D manifold, the latent map and samples. With z=20: samples,
 * the test ELBO and the importance-weighted NLL (Burda et al. 2016).
 */
import type { ExperimentPlan } from './plan.js';
import { runSpec, type RunSpec } from './runs.js';
import { elboNumbers, evalRun, key, runFigure, type Section } from './section.js';

export const Z2 = 'vae-mlp-z2';
export const Z20 = 'vae-mlp-z20';

export const vaeMlpZ2 = (plan: ExperimentPlan): RunSpec =>
  runSpec(Z2, 'vae-mlp 784-400-2', { model: 'vae-mlp', latent: 2 }, plan.vaeMlp.z2);
export const vaeMlpZ20 = (plan: ExperimentPlan): RunSpec =>
  runSpec(Z20, 'vae-mlp 784-400-20', { model: 'vae-mlp', latent: 20 }, plan.vaeMlp.z20);

export const vaeMlp: Section = {
  id: 'vae-mlp',
  title: 'MLP VAE with z=2 and z=20',
  runs: (plan) => [vaeMlpZ2(plan), vaeMlpZ20(plan)],
  async analyse(ctx) {
    const { k, iwImages } = ctx.plan.vaeMlp;
    const z2 = await evalRun(ctx, Z2, 0, null);
    const z20 = await evalRun(ctx, Z20, k, iwImages);
    const e = z20.result;
    const of = `z=20, ${e.test_images.toLocaleString('en')} test images`;
    return {
      intro:
        "Kingma and Welling's VAE with one hidden layer of 400 units, as in the notes' Keras example (`z_mean`, `z_log_var`, the " +
        'reparameterization trick, binary cross-entropy plus KL). With two latent dimensions the whole code space can be drawn: ' +
        "decoded on a grid through the Gaussian's inverse CDF (the manifold) and as the test set's codes (the latent map).",
      numbers: [
        ...elboNumbers('z=2', z2.result, z2.command),
        ...elboNumbers('z=20', e, z20.command),
        {
          label: `${of}: bits per dimension (negative ELBO)`,
          value: e.bits_per_dim,
          unit: 'bits/dim',
          command: z20.command,
        },
        {
          label: `${of}: importance-weighted NLL, k=${e.k}`,
          value: e.iw_nll ?? NaN,
          unit: 'nats per image',
          command: z20.command,
        },
        {
          label: `${of}: active units (Burda et al.: Cov of the code's mean > 0.01)`,
          value: e.active_units ?? NaN,
          unit: `of ${e.latent}`,
          command: z20.command,
        },
      ],
      tables: [],
      figures: [
        key(
          runFigure(
            ctx,
            Z2,
            'manifold.png',
            "z=2: decoded on a 20x20 grid of the Gaussian's inverse CDF at 0.05 ... 0.95 (up is +z2)",
          ),
        ),
        key(runFigure(ctx, Z2, 'latent-map.png', 'z=2: the codes (means of q(z|x)) of 5,000 test images, by class')),
        runFigure(ctx, Z2, 'samples.png', 'z=2: samples, decoded from z ~ N(0, I)'),
        key(runFigure(ctx, Z20, 'samples.png', 'z=20: samples, decoded from z ~ N(0, I)')),
        runFigure(ctx, Z20, 'curves.png', 'z=20: negative ELBO, reconstruction and KL per epoch (nats per image)'),
      ],
      notes: [],
    };
  },
};

/**
 * How long a plan should take, said before it starts. Costs were measured on the 2-core
 * machine of docs/BENCHMARKS.md with nothing else running (training seconds per image, one
 * pass over the 10,000 test images after each epoch, the pictures of a run); a busier or
 * faster machine scales them all alike.
 */
import type { ExperimentPlan } from './plan.js';
import type { RunSpec } from './runs.js';

/** Seconds per training image, and per evaluation of the test set after an epoch. */
const TRAIN: Record<string, { perImage: number; testPass: number }> = {
  'vae-mlp': { perImage: 7e-5, testPass: 0.4 },
  cvae: { perImage: 7e-5, testPass: 0.4 },
  'ae-mlp': { perImage: 6e-5, testPass: 0.3 },
  'vae-conv': { perImage: 6.5e-4, testPass: 2.5 },
  'ae-conv': { perImage: 1.4e-3, testPass: 1.5 },
  'gan-mlp': { perImage: 1.3e-4, testPass: 0 },
  cgan: { perImage: 1.3e-4, testPass: 0 },
  dcgan: { perImage: 2.4e-3, testPass: 0 },
  'wgan-gp': { perImage: 1.9e-3, testPass: 0 },
  // Not measured alone: scaled from vae-mlp's cost by their ratio to it on a busy machine (2,000 images, default sizes).
  wae: { perImage: 2e-4, testPass: 0.4 },
  rae: { perImage: 1e-4, testPass: 0.3 },
  'beta-tcvae': { perImage: 1.3e-4, testPass: 1.5 },
  'factor-vae': { perImage: 1.4e-3, testPass: 2 },
  'vq-vae': { perImage: 1.4e-3, testPass: 4.5 },
};
/** VQ-VAE's PixelCNN prior (6 layers of 64 channels): a training step per code grid, and -log p of a test grid (the same scaling). */
const PRIOR_PER_GRID = { train: 2.5e-3, test: 8e-4 };
/** Data loading and the pictures every run gets (latent map, curves, GIF). */
const PER_RUN = 5;
/** One decode of one image by the MLP VAE, within importance sampling. */
const PER_DECODE = 1e-5;
/** Training images of MNIST and Fashion-MNIST (for runs without a limit). */
const TRAIN_IMAGES = 60000;

/** Expected seconds to train a run (the class filter of the one-class runs keeps about a tenth). */
export function trainSeconds(spec: RunSpec): number {
  const c = spec.config;
  const available = c.classes ? (TRAIN_IMAGES / 10) * c.classes.length : TRAIN_IMAGES;
  const images = Math.min(c.limit ?? available, available) * (1 - c.valFraction);
  const cost = TRAIN[c.model];
  if (!cost) throw new Error(`no time estimate for model '${c.model}' (add it to TRAIN in src/report/estimate.ts)`);
  const scale = sizeScale(c);
  return (
    PER_RUN + c.epochs * (images * cost.perImage * scale + (c.classes ? cost.testPass / 10 : cost.testPass) * scale)
  );
}

/** Options that shrink a model's networks below the sizes the costs were taken at (its multiply-adds, roughly). */
function sizeScale(c: RunSpec['config']): number {
  if (c.model === 'vq-vae') return Math.max(0.1, (Number(c.width) / 64) ** 2);
  // The discriminator's layers against the default 5 of 1,000 units; the VAE part stays (a twentieth of the cost).
  if (c.model === 'factor-vae')
    return 0.05 + (0.95 * discMacs(Number(c.discHidden), Number(c.discLayers))) / discMacs(1000, 5);
  return 1;
}

const discMacs = (hidden: number, layers: number): number => 20 * hidden + (layers - 1) * hidden * hidden + 2 * hidden;

/** Expected seconds of the sections' evaluations (importance sampling, anomaly scores, sample quality). */
export function analysisSeconds(plan: ExperimentPlan, sections: string[]): number {
  const has = (id: string): boolean => sections.includes(id);
  const iw = has('vae-mlp') ? plan.vaeMlp.k * (plan.vaeMlp.iwImages ?? 10000) * PER_DECODE : 0;
  // Each one-class run scores 10,000 test images and its held-out images: reconstruction, 10 ELBO samples, k importance samples.
  const anomaly = has('anomaly')
    ? (plan.anomaly.classes.length + 1) * (11 + plan.anomaly.k) * 10600 * PER_DECODE * 3
    : 0;
  // Five runs: n samples and the test set through the classifier.
  const quality = has('gans') ? 5 * qualitySeconds(plan.gans.samples) : 0;
  const family = has('latent-family') ? latentFamilySeconds(plan) : 0;
  // A reduced classifier or the real one, trained once for the sample-quality scores.
  const classifier = has('gans') || has('latent-family') ? classifierSeconds(plan) : 0;
  return 10 + iw + anomaly + quality + family + classifier + 4 * sections.length;
}

/** One `latentlab quality`: n samples and the 10,000 test images through the classifier. */
const qualitySeconds = (n: number): number => 3 + n * 8e-4;

/**
 * The latent-family section: six evaluations (ELBO and TC over the test set), VQ-VAE's PixelCNN
 * prior (the training and test images encoded to code grids, then the epochs), the BIC search of
 * a Gaussian mixture over the training codes of six runs (at most 20,000 each) and 14 sample
 * scores (the test set's features are computed once for them all, so each is its samples alone;
 * VQ-VAE's are drawn code by code).
 */
function latentFamilySeconds(plan: ExperimentPlan): number {
  const p = plan.latentFamily;
  const images = p.models.images ?? TRAIN_IMAGES;
  const vq = p.options['vq-vae'] ?? {};
  // The PixelCNN's cost goes with its channels squared and its layers (the defaults: 64 and 6).
  const pixelCnn = Math.max(0.05, ((vq.priorWidth ?? 64) / 64) ** 2 * ((vq.priorLayers ?? 6) / 6));
  const perGrid = { train: PRIOR_PER_GRID.train * pixelCnn, test: PRIOR_PER_GRID.test * pixelCnn };
  const prior = (images + 10000) * 1e-4 + p.priorEpochs * (images * perGrid.train + 10000 * perGrid.test);
  const gmm = 6 * (1 + Math.min(images, 20000) * 1e-3);
  // The PixelCNN draws a grid in 49 passes, one per code.
  const vqSamples = (p.samples + 64) * 49 * perGrid.test;
  return 6 * 2 + prior + gmm + vqSamples + 3 + 14 * p.samples * 8e-4;
}

function classifierSeconds(plan: ExperimentPlan): number {
  const p = plan.classifier ?? { images: TRAIN_IMAGES, epochs: 6 };
  return p.epochs * (p.images * 5e-4 + 2);
}

export function expectedSeconds(plan: ExperimentPlan, specs: RunSpec[], sections: string[]): number {
  return Math.round(specs.reduce((s, r) => s + trainSeconds(r), 0) + analysisSeconds(plan, sections));
}

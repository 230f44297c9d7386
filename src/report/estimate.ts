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
};
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
  return PER_RUN + c.epochs * (images * cost.perImage + (c.classes ? cost.testPass / 10 : cost.testPass));
}

/** Expected seconds of the sections' evaluations (importance sampling, anomaly scores, sample quality). */
export function analysisSeconds(plan: ExperimentPlan, sections: string[]): number {
  const has = (id: string): boolean => sections.includes(id);
  const iw = has('vae-mlp') ? plan.vaeMlp.k * (plan.vaeMlp.iwImages ?? 10000) * PER_DECODE : 0;
  // Each one-class run scores 10,000 test images and its held-out images: reconstruction, 10 ELBO samples, k importance samples.
  const anomaly = has('anomaly') ? (plan.anomaly.classes.length + 1) * (11 + plan.anomaly.k) * 10600 * PER_DECODE * 3 : 0;
  // Five runs: n samples and the test set through the classifier; a reduced classifier or the real one trained once.
  const quality = has('gans') ? 5 * (3 + plan.gans.samples * 8e-4) + classifierSeconds(plan) : 0;
  return 10 + iw + anomaly + quality + 4 * sections.length;
}

function classifierSeconds(plan: ExperimentPlan): number {
  const p = plan.classifier ?? { images: TRAIN_IMAGES, epochs: 6 };
  return p.epochs * (p.images * 5e-4 + 2);
}

export function expectedSeconds(plan: ExperimentPlan, specs: RunSpec[], sections: string[]): number {
  return Math.round(specs.reduce((s, r) => s + trainSeconds(r), 0) + analysisSeconds(plan, sections));
}

/**
 * The model interface. A model is one folder under src/models/ that exports a declaration:
 * its name, what it is (with the paper), its own options (a TypeBox schema with defaults and
 * help), how it is built, its parameter groups (one optimizer each), its training and
 * validation steps, the metrics it reports and the capabilities it offers. The trainer, the
 * CLI, evaluation, pictures, the web UI and export read the declaration and ask for
 * capabilities; none of them knows a model by name. The shape follows Lightning's
 * LightningModule (training_step / validation_step / configure_optimizers) and pythae's
 * one-folder-per-model layout.
 */
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import type { MetricDeclaration } from '../util/metric-summary.js';
import type { Static, TObject, TProperties } from '../util/options.js';
import type { Capabilities } from './capabilities.js';

/** Sums over a batch's images, by metric name (camelCase); the trainer divides by the images seen. */
export type Sums = Record<string, number>;

/** One batch as a step sees it. */
export interface Batch {
  /** Images [B, C, H, W] in [0, 1] (binarized as the run asks). */
  x: Tensor;
  /** Class labels [B] (int64). */
  y: Tensor;
  /** Training time in epochs, fractional within an epoch (0 at the start of the run). */
  t: number;
  /** Steps taken before this one, over the whole run. */
  iteration: number;
}

/**
 * What a training step may do to the weights. Every backward pass and optimizer update goes
 * through here, so that the trainer can add gradient all-reduce, clipping or a fused optimizer
 * without any model changing.
 */
export interface StepContext {
  /** zero_grad(), loss.backward(), optimizer.step() for the named parameter group. */
  step(group: string, loss: Tensor): void;
  /**
   * Steps several groups at once, each on the gradient of its own loss over one shared graph
   * (PIWAE: the encoder on one bound, the decoder on another, from the same samples). Every
   * gradient is taken before any weight changes, as if each group had its own backward pass.
   */
  stepEach(losses: Record<string, Tensor>): void;
}

export type { MetricDeclaration } from '../util/metric-summary.js';

/** What a model is built from, beside its own options. */
export interface BuildContext {
  /** [C, H, W] of the dataset's images. */
  imageShape: [number, number, number];
  /** Classes of the dataset (conditional models are conditioned on them). */
  numClasses: number;
  /** Epochs of the run (schedules such as cyclical KL annealing span them). */
  epochs: number;
  /** Images of the training set (beta-TCVAE's estimate of q(z) weighs a batch by it); absent when unknown. */
  datasetSize?: number;
}

/** A built model: a Module with its steps and capabilities. */
export interface Model extends Module {
  readonly modelName: string;
  /** [C, H, W] of the images the model reads and writes. */
  readonly imageShape: [number, number, number];
  /** Classes a conditional model is conditioned on; 0 for an unconditional one. */
  readonly numClasses: number;
  /** What the model offers beyond training (see capabilities.ts). */
  readonly capabilities: Capabilities;
  /** Parameter groups, one optimizer each (LightningModule's configure_optimizers). */
  parameterGroups(): Record<string, Tensor[]>;
  /** One optimisation step; returns the batch's sums of per-image metrics. */
  trainingStep(batch: Batch, ctx: StepContext): Sums;
  /** Per-image metric sums of a batch without gradients (the trainer sets eval mode and a fixed seed), or null. */
  validationStep?(batch: Batch): Sums;
  /** Values recorded with each epoch beside the metrics (the KL weight), at training time t. */
  epochValues?(t: number): Record<string, number>;
}

/** A model declaration; `O` is the schema of the model's own options. */
export interface ModelDeclaration<O extends TProperties = TProperties> {
  name: string;
  /** One line: what it is, with the paper. */
  description: string;
  /** The model's own options, with defaults and help; their names follow the rules in registry.ts. */
  options: O;
  /** Defaults of common settings that differ for this model (e.g. GANs: binarize 'none', lr 2e-4, beta1 0.5). */
  commonDefaults?: Record<string, unknown>;
  /** The only optimizers that fit the model (GANs: adam); absent: any. */
  optimizers?: readonly string[];
  /** Whether the dataset's labels are needed (conditional models). */
  conditional?: boolean;
  /** Watch for mode collapse: classify 1,000 samples after each epoch (GANs on mnist and fashion-mnist). */
  watchClasses?: boolean;
  /** Checks across the model's options; returns what is wrong, or null. */
  check?(options: Static<TObject<O>>): string | null;
  /** The metrics its steps return, in the order they are shown; the first shown one is the headline. */
  metrics: readonly MetricDeclaration[];
  /** The validation metric early stopping watches (lower is better); absent: the model cannot stop early. */
  monitor?: string;
  /** What the run optimises, in words, for config.json. */
  describe?(options: Static<TObject<O>>): Record<string, unknown>;
  /** Makes the model from its resolved options and the dataset's facts. */
  build(options: Static<TObject<O>>, ctx: BuildContext): Model;
}

/** Declares a model, keeping its options' types inside and erasing them for the registry. */
export function defineModel<O extends TProperties>(d: ModelDeclaration<O>): ModelDeclaration {
  return d;
}

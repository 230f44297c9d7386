/**
 * What the server and the browser exchange, as plain types, shared by src/server and web/ (and
 * by the exported static explorer, which reads the same shapes from files). Only imports of
 * other plain-type files: the browser's type check reads this file.
 */
import type { LiveStatus } from './live-status.js';

export type { LiveStatus };

/** What the dashboard's form sends to start a training run. */
export interface TrainRequest {
  name: string;
  model: string;
  dataset: string;
  epochs: number;
  /** Train on the first N images only (a quick look). */
  limit?: number;
  /** The model's own options (latent, beta, ...), as `latentlab train --model M --help` lists them. */
  [option: string]: string | number | undefined;
}

/** Images as uint8 pixels, channel-first, base64: a 28x28 digit is 784 bytes. */
export interface ImageBatch {
  n: number;
  channels: number;
  height: number;
  width: number;
  data: string;
}

/** A model's shape, as the explorer needs it. */
export interface ModelInfo {
  name: string;
  model: string;
  /** What the model offers (models/capabilities.ts): 'encoder', 'decoder', 'prior', ... */
  capabilities: string[];
  latent: number;
  image_shape: [number, number, number];
  num_classes: number;
  class_names: string[];
  dataset: string;
  /**
   * The run's fitted samplers (`latentlab sample --sampler gaussian|gmm`), saved and newer than
   * its weights, for the explorer's random samples; empty when it has none.
   */
  samplers: FittedDensity[];
}

/**
 * A fitted sampler's density p(z) = sum_k w_k N(z | mu_k, L_k L_k^T), as plain numbers: the
 * weights [K], the means [K][D] and the lower Cholesky factors of the covariances [K][D][D].
 * The Gaussian sampler is the one-component case.
 */
export interface FittedDensity {
  kind: 'gaussian' | 'gmm';
  weights: number[];
  means: number[][];
  cholesky: number[][][];
}

/** The latent map: the test set's encoded means, drawn in 2-D. */
export interface LatentMap {
  /** Test-set indices of the points. */
  indices: number[];
  labels: number[];
  classNames: string[];
  /** [N][2]: where each point is drawn. */
  points: [number, number][];
  /** [N][latent]: each point's latent code (q(z|x)'s mean). */
  codes: number[][];
  /** z = mean + u * axes[0] + v * axes[1] for the map point (u, v); null when z = 2 (the map is the latent plane). */
  projection: { mean: number[]; axes: [number[], number[]] } | null;
  axisTitles: [string, string];
}

export interface RunListItem {
  name: string;
  model: string;
  metric_info: MetricInfo[];
  dataset: string;
  epochs: number;
  epochs_done: number;
  last: Record<string, number> | null;
  modified: string;
  training: boolean;
}

export interface RunDetail {
  name: string;
  config: Record<string, unknown>;
  resolved: Record<string, unknown>;
  /** The model's metric declarations (key, label, unit, direction), for the curves and tables. */
  metric_info: MetricInfo[];
  metrics: Record<string, number>[];
  files: string[];
  has_checkpoint: boolean;
  live: LiveStatus | null;
  training: boolean;
  job: { run: string; pid: number; started: string; exitCode: number | null; stderr: string[] } | null;
  anomaly: AnomalyWire | null;
}

export interface AnomalyWire {
  dataset: string;
  normal: number[];
  test_images: number;
  anomalous_images: number;
  primary: string;
  scores: {
    score: string;
    auroc: number;
    average_precision: number;
    threshold: number;
    precision: number;
    recall: number;
  }[];
  files: string[];
}

/** A metric as a model declares it. */
export type { MetricDeclaration as MetricInfo } from '../util/metric-summary.js';
import type { MetricDeclaration as MetricInfo } from '../util/metric-summary.js';

export interface TrainOptions {
  /** Each model with its own options (their defaults and help) and its metrics. */
  models: {
    name: string;
    description: string;
    options: Record<string, { default: unknown; help: string }>;
    metrics: MetricInfo[];
  }[];
  datasets: string[];
  defaults: { epochs: number; model: string; dataset: string };
}

/** site.json of an exported explorer (`latentlab export --format web`). */
export interface SiteData {
  version: string;
  info: ModelInfo;
  map: LatentMap | null;
  /** The map's test images, in the order of map.indices. */
  tests: ImageBatch | null;
  /** The ONNX decoder and its input and output names. */
  decoder: { file: string; z: string; label: string | null; output: string };
}

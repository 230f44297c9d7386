/**
 * The figures a run is looked at through, each written as PNG (plots also as SVG). Every
 * function takes what it draws (a model, images, metrics) and a path, and returns the files
 * it wrote.
 */
import type { ImageDataset } from '../data/dataset.js';
import { need } from '../models/capabilities.js';
import type { Model } from '../models/model.js';
import { tidy } from '../tensor/scope.js';
import { cat } from '../tensor/functional.js';
import type { Tensor } from '../tensor/tensor.js';
import { curvesSpec, divergenceSpec, label, latentMapSpec, type CurvePanel, type GaussianPair } from './charts.js';
import { jsGaussian, klGaussian, normalPdf, type Gaussian1d } from './divergence.js';
import { saveGif } from './gif.js';
import { savePng, tileImages, type GridOptions, type Raster } from './grid.js';
import {
  decodeLatents,
  latentDimOf,
  encodeDataset,
  manifoldLatents,
  project2d,
  reconstructions,
  traversalLatents,
  type ManifoldOptions,
} from '../inference/latent.js';
import { toPixels } from './pixels.js';
import { savePlot } from './plot.js';

/** A grid raster of float images [B, C, H, W]. */
export function imageGrid(images: Tensor, o: GridOptions = {}): Raster {
  const { pixels, shape } = toPixels(images);
  return tileImages(pixels, shape, o);
}

/** Writes float images [B, C, H, W] in [0, 1] as one PNG grid; returns the path. */
export async function saveImageGrid(path: string, images: Tensor, o: GridOptions = {}): Promise<string> {
  await savePng(path, imageGrid(images, o));
  return path;
}

/** Originals in odd rows, their reconstructions in the row below. */
export function reconstructionGrid(
  model: Model,
  x: Tensor,
  cols: number,
  o: GridOptions & { labels?: Tensor } = {},
): Raster {
  return tidy(() => {
    const { originals, recon } = reconstructions(model, x, o.labels);
    const rows: Tensor[] = [];
    for (let i = 0; i < x.size(0); i += cols) {
      const end = Math.min(i + cols, x.size(0));
      rows.push(originals.slice(0, i, end), recon.slice(0, i, end));
    }
    return imageGrid(cat(rows), { ...o, cols });
  });
}

/** Writes the 2-D manifold figure: decoded images of an n x n grid of latent codes (see manifoldLatents). */
export async function saveManifold(
  path: string,
  model: Model,
  o: ManifoldOptions & GridOptions & { label?: number } = {},
): Promise<string> {
  const n = o.n ?? 20;
  if (model.numClasses && o.label === undefined)
    throw new Error(`${model.modelName} is conditional: give the class whose manifold to draw (--label)`);
  const images = tidy(() => decodeLatents(model, manifoldLatents(latentDimOf(model, 'a manifold'), o), o.label));
  await saveImageGrid(path, images, { pad: o.pad ?? 0, scale: o.scale ?? 1, cols: n });
  images.dispose();
  return path;
}

/** How saveTraversal sweeps the latent dimensions. */
export interface TraversalOptions {
  /** Each dimension is swept from -range to +range. */
  range: number;
  /** Values per dimension (the grid's columns). */
  steps: number;
  /** Only these dimensions (default: all). */
  dims?: number[];
  /** Conditional models: the class to decode. */
  label?: number;
  scale?: number;
}

/** Latent traversals: one row per dimension, swept while the others stay at z0 (a 1-D tensor). */
export async function saveTraversal(path: string, model: Model, z0: Tensor, o: TraversalOptions): Promise<string> {
  const values = Array.from({ length: o.steps }, (_, i) => -o.range + (2 * o.range * i) / Math.max(1, o.steps - 1));
  const images = tidy(() => decodeLatents(model, traversalLatents(z0, values, o.dims), o.label));
  await saveImageGrid(path, images, { cols: o.steps, scale: o.scale ?? 2 });
  images.dispose();
  return path;
}

/** The test set's encoded means as a scatter coloured by label (PCA for z > 2). */
export async function saveLatentMap(
  base: string,
  model: Model,
  ds: ImageDataset,
  limit = 5000,
): Promise<{ svg: string; png: string }> {
  const { points, labels } = tidy(() => {
    const { mu, labels } = encodeDataset(model, ds, limit);
    return { points: project2d(mu).toArray(), labels: labels.toArray() };
  });
  const values = labels.map((l, i) => ({
    x: points[2 * i]!,
    y: points[2 * i + 1]!,
    label: ds.classNames[l] ?? String(l),
  }));
  const dim = need(model, 'encoder', 'a latent map').latentDim;
  const axes: [string, string] = dim === 2 ? ['z1', 'z2'] : ['principal component 1', 'principal component 2'];
  const title = `${model.modelName}: test-set codes (${values.length} images${dim > 2 ? `, z=${dim} by PCA` : ''})`;
  return savePlot(base, latentMapSpec(values, title, axes, ds.classNames));
}

/** Writes the training curves of metrics.jsonl's records as `<base>.svg` and `<base>.png`. */
export async function saveCurves(
  base: string,
  metrics: Record<string, number>[],
  title: string,
  panels?: CurvePanel[],
): Promise<{ svg: string; png: string }> {
  if (!metrics.length) throw new Error('no metrics yet: the run has not finished an epoch');
  return savePlot(base, curvesSpec(metrics, title, panels));
}

/** A strip of frames as PNG and the same frames as an animated GIF (there and back). */
export async function saveWalk(
  base: string,
  images: Tensor,
  o: GridOptions & { delay?: number } = {},
): Promise<{ png: string; gif: string }> {
  const { pixels, shape } = toPixels(images);
  const [n, c, h, w] = shape;
  await savePng(`${base}.png`, tileImages(pixels, shape, { ...o, cols: n }));
  const frame = (i: number): Raster =>
    tileImages(pixels.subarray(i * c * h * w, (i + 1) * c * h * w), [1, c, h, w], { pad: 0, scale: o.scale ?? 4 });
  const order = [
    ...Array.from({ length: n }, (_, i) => i),
    ...Array.from({ length: Math.max(0, n - 2) }, (_, i) => n - 2 - i),
  ];
  saveGif(`${base}.gif`, order.map(frame), o.delay ?? 120);
  return { png: `${base}.png`, gif: `${base}.gif` };
}

/** The Gaussian pairs of the divergence figure: equal, shifted by 1 and 3, and three times as wide. */
export const DEFAULT_PAIRS: [Gaussian1d, Gaussian1d][] = [
  [
    { mu: 0, sigma: 1 },
    { mu: 0, sigma: 1 },
  ],
  [
    { mu: 0, sigma: 1 },
    { mu: 1, sigma: 1 },
  ],
  [
    { mu: 0, sigma: 1 },
    { mu: 3, sigma: 1 },
  ],
  [
    { mu: 0, sigma: 1 },
    { mu: 0, sigma: 3 },
  ],
];

/** The divergence figure: densities of each pair with KL both ways and JS. */
export async function saveDivergence(
  base: string,
  pairs = DEFAULT_PAIRS,
): Promise<{ files: { svg: string; png: string }; pairs: GaussianPair[] }> {
  const results: GaussianPair[] = pairs.map(([p, q]) => ({
    p,
    q,
    kl: klGaussian(p, q),
    klReverse: klGaussian(q, p),
    js: jsGaussian(p, q),
  }));
  const curves = results.flatMap((g) => {
    const lo = Math.min(g.p.mu - 4 * g.p.sigma, g.q.mu - 4 * g.q.sigma);
    const hi = Math.max(g.p.mu + 4 * g.p.sigma, g.q.mu + 4 * g.q.sigma);
    return Array.from({ length: 121 }, (_, i) => lo + ((hi - lo) * i) / 120).flatMap((x) => [
      { pair: label(g), x, density: normalPdf(x, g.p), which: 'p' },
      { pair: label(g), x, density: normalPdf(x, g.q), which: 'q' },
    ]);
  });
  return { files: await savePlot(base, divergenceSpec(results, curves)), pairs: results };
}

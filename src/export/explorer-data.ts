/**
 * What the latent explorer needs from a run, computed by the engine: the latent map (the test
 * set's encoded means, projected to 2-D with PCA when z > 2, and the projection itself, so
 * that a point on the map becomes a latent vector), decoded images, and test images.
 * Images travel as uint8 pixels, channel-first, base64-encoded: a 28x28 digit is 784 bytes.
 */
import { has, offered } from '../models/capabilities.js';
import type { ImageDataset } from '../data/dataset.js';
import type { Model } from '../models/model.js';
import { tensor } from '../tensor/create.js';
import { tidy } from '../tensor/scope.js';
import type { OpenRun } from '../train/open-run.js';
import { decodeLatents, encodeDataset, latentDimOf, pca2, type LabelChoice } from '../inference/latent.js';
import { toPixels } from '../viz/pixels.js';
import { badRequest } from '../util/http-error.js';
import { freshSamplers, loadSampler } from '../inference/samplers/saved.js';
import type { FittedDensity, ImageBatch, LatentMap, ModelInfo } from '../wire/types.js';

export type { ImageBatch, LatentMap } from '../wire/types.js';

export function toImageBatch(images: ReturnType<typeof toPixels>): ImageBatch {
  const [n, channels, height, width] = images.shape;
  return {
    n,
    channels,
    height,
    width,
    data: Buffer.from(images.pixels.buffer, images.pixels.byteOffset, images.pixels.byteLength).toString('base64'),
  };
}

/** The model's shape, as the explorer needs it. */
export function modelInfo(name: string, run: OpenRun): ModelInfo {
  const m = run.model;
  return {
    name,
    model: m.modelName,
    capabilities: offered(m),
    latent: latentDimOf(m, 'the explorer'),
    image_shape: m.imageShape,
    num_classes: m.numClasses,
    class_names: run.classNames,
    dataset: run.config.dataset,
    samplers: fittedDensities(run),
  };
}

/**
 * The run's saved samplers that are newer than its weights and fit its latent size, as plain
 * numbers, so that the explorer draws random codes from them in the browser (served or exported).
 */
export function fittedDensities(run: OpenRun): FittedDensity[] {
  if (!has(run.model, 'decoder')) return [];
  const latent = latentDimOf(run.model);
  return freshSamplers(run.dir).flatMap((kind): FittedDensity[] => {
    const saved = loadSampler(run.dir, kind);
    if (!saved) return [];
    const { sampler } = saved;
    try {
      if (sampler.latentDim !== latent) return [];
      const [k, d] = [sampler.components, sampler.latentDim];
      const rows = (flat: number[], width: number): number[][] =>
        Array.from({ length: flat.length / width }, (_, i) => flat.slice(i * width, (i + 1) * width));
      const chol = rows(sampler.cholesky.toArray(), d);
      return [
        {
          kind,
          weights: sampler.params.weights.toArray(),
          means: rows(sampler.params.means.toArray(), d),
          cholesky: Array.from({ length: k }, (_, c) => chol.slice(c * d, (c + 1) * d)),
        },
      ];
    } finally {
      sampler.dispose();
    }
  });
}

/** The test set's codes and their 2-D picture, for models with an encoder; null for GANs. */
export async function latentMap(run: OpenRun, limit: number): Promise<LatentMap | null> {
  if (!has(run.model, 'encoder')) return null;
  const model = run.model;
  const ds = await run.testSet();
  const { mu, labels } = encodeDataset(model, ds, limit);
  try {
    const codes = round2d(mu.toArray(), latentDimOf(model));
    const n = codes.length;
    const labelList = labels.toArray();
    if (latentDimOf(model) === 1) {
      // A 1-D code: drawn against the class, one row per class.
      return {
        indices: range(n),
        labels: labelList,
        classNames: ds.classNames,
        points: codes.map(([a], i) => [a!, labelList[i]!]),
        codes,
        projection: null,
        axisTitles: ['z[0]', 'class'],
      };
    }
    if (latentDimOf(model) === 2) {
      return {
        indices: range(n),
        labels: labels.toArray(),
        classNames: ds.classNames,
        points: codes.map(([a, b]) => [a!, b!]),
        codes,
        projection: null,
        axisTitles: ['z[0]', 'z[1]'],
      };
    }
    const { mean, axes, points } = tidy(() => {
      const p = pca2(mu);
      return {
        mean: p.mean.reshape(-1).toArray(),
        axes: round2d(p.axes.toArray(), latentDimOf(model)) as [number[], number[]],
        points: round2d(mu.sub(p.mean).matmul(p.axes.t()).toArray(), 2),
      };
    });
    return {
      indices: range(n),
      labels: labels.toArray(),
      classNames: ds.classNames,
      points: points as [number, number][],
      codes,
      projection: { mean, axes },
      axisTitles: ['first principal direction', 'second principal direction'],
    };
  } finally {
    mu.dispose();
    labels.dispose();
  }
}

/** Decoded images of latent vectors, checked against the model. */
export function decodeVectors(model: Model, z: number[][], label: number | undefined): ImageBatch {
  z.forEach((v, i) => {
    if (v.length !== latentDimOf(model))
      throw badRequest(
        `latent vector ${i} has ${v.length} values but ${model.modelName}'s latent space has ${latentDimOf(model)} dimensions`,
      );
  });
  if (model.numClasses && label === undefined)
    throw badRequest(`${model.modelName} is conditional: give "label" (0 to ${model.numClasses - 1})`);
  if (!model.numClasses && label !== undefined)
    throw badRequest(`${model.modelName} is not conditional: it takes no label`);
  if (label !== undefined && label >= model.numClasses)
    throw badRequest(`label ${label} does not exist: ${model.modelName} knows classes 0 to ${model.numClasses - 1}`);
  return tidy(() => toImageBatch(toPixels(decodeLatents(model, tensor(z), label as LabelChoice))));
}

/** Test images by index, as uint8 pixels. */
export function testImages(ds: ImageDataset, indices: number[]): ImageBatch {
  const bad = indices.find((i) => i >= ds.length);
  if (bad !== undefined)
    throw badRequest(`test image ${bad} does not exist: the test set has ${ds.length} images (0 to ${ds.length - 1})`);
  return tidy(() =>
    toImageBatch(
      toPixels(
        ds.images
          .indexSelect(0, tensor(indices, { dtype: 'int64' }))
          .float()
          .div(255),
      ),
    ),
  );
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Rows of `width` values from a flat array, rounded to 4 decimals (enough for a picture, a quarter of the JSON). */
function round2d(flat: number[], width: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < flat.length; i += width)
    rows.push(flat.slice(i, i + width).map((v) => Math.round(v * 1e4) / 1e4));
  return rows;
}

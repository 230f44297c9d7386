/**
 * Pictures of what a model learned, computed here and drawn by grid.ts and plot.ts: samples
 * from the prior, decoded latent points, reconstructions, the 2-D manifold (Kingma and
 * Welling's figure 4: a grid through the Gaussian's inverse CDF), encoded means for the latent
 * map (PCA for z > 2), interpolations (linear or spherical) and latent traversals.
 */
import type { ImageDataset } from '../data/dataset.js';
import { need, type Prior } from '../models/capabilities.js';
import type { Model } from '../models/model.js';
import { noGrad } from '../tensor/autograd.js';
import { full, linspace, tensor } from '../tensor/create.js';
import { cat, stack } from '../tensor/functional.js';
import { tidy } from '../tensor/scope.js';
import { call, callMany, type Tensor } from '../tensor/tensor.js';
import { MixtureSampler } from './samplers/mixture.js';

/** A class for conditional models: one label for every image, or 'each': image i gets class i mod K. */
export type LabelChoice = number | 'each' | undefined;

/**
 * The labels [n] a conditional model decodes n latent vectors with (null for unconditional
 * ones); a label given to an unconditional model, or out of range, is an error.
 */
export function labelsFor(model: Model, n: number, label?: LabelChoice): Tensor | null {
  if (!model.numClasses) {
    if (typeof label === 'number') throw new Error(`${model.modelName} is not conditional: it takes no --label`);
    return null;
  }
  if (label === undefined) throw new Error(`${model.modelName} is conditional: give the class to generate (--label)`);
  if (label === 'each')
    return tensor(
      Array.from({ length: n }, (_, i) => i % model.numClasses),
      { dtype: 'int64' },
    );
  if (!Number.isInteger(label) || label < 0 || label >= model.numClasses)
    throw new RangeError(
      `label ${label} does not exist: ${model.modelName} knows classes 0 to ${model.numClasses - 1}`,
    );
  return full([n], label, { dtype: 'int64' });
}

/** Decoded images [B, C, H, W] of latent vectors z [B, latent], without gradients, in eval mode. */
export function decodeLatents(model: Model, z: Tensor, label?: LabelChoice): Tensor {
  const dec = need(model, 'decoder', 'decoding latent vectors');
  if (z.ndim !== 2 || z.size(1) !== dec.latentDim) {
    throw new RangeError(`latent vectors must have ${dec.latentDim} entries, got shape [${z.shape}]`);
  }
  model.eval();
  return noGrad(() =>
    tidy(() => {
      const y = labelsFor(model, z.size(0), label);
      return y ? dec.decode(z, y) : dec.decode(z);
    }),
  );
}

/** The size of the model's flat latent code (its decoder's input). */
export function latentDimOf(model: Model, what = 'a latent code'): number {
  return need(model, 'decoder', what).latentDim;
}

/**
 * n codes from `prior` (the model's own unless given) at a temperature, decoded: the model's
 * prior's draws are scaled by it (N(0, t^2 I) for the standard normal); a fitted sampler
 * (samplers/mixture.ts) scales each component's spread about its mean instead.
 */
export function sampleImages(
  model: Model,
  n: number,
  temperature = 1,
  label: LabelChoice = 'each',
  prior: Prior = need(model, 'prior', 'sampling'),
): Tensor {
  return tidy(() => {
    const z = prior instanceof MixtureSampler ? prior.sampleAt(n, temperature) : prior.sample(n).mul(temperature);
    return decodeLatents(model, z, label);
  });
}

/** Codes of images x [B, C, H, W]: q(z|x)'s means (the codes themselves for autoencoders). */
export function encodeMeans(model: Model, x: Tensor, y?: Tensor): Tensor {
  const enc = need(model, 'encoder', 'encoding images');
  model.eval();
  return noGrad(() => tidy(() => enc.encode(x, y).mu));
}

/** Means of a whole dataset, batched, with the labels: [N, latent] and [N]. */
export function encodeDataset(
  model: Model,
  ds: ImageDataset,
  limit = ds.length,
  batch = 1000,
): { mu: Tensor; labels: Tensor } {
  const n = Math.min(limit, ds.length);
  return tidy(() => {
    const parts: Tensor[] = [];
    for (let i = 0; i < n; i += batch) {
      const x = ds.images
        .slice(0, i, Math.min(n, i + batch))
        .float()
        .div(255);
      parts.push(encodeMeans(model, x, model.numClasses ? ds.labels.slice(0, i, Math.min(n, i + batch)) : undefined));
    }
    return { mu: cat(parts, 0), labels: ds.labels.slice(0, 0, n).clone() };
  });
}

/** Test images beside their reconstructions (decoded from the code's mean): [2B, C, H, W], originals first. */
export function reconstructions(model: Model, x: Tensor, y?: Tensor): { originals: Tensor; recon: Tensor } {
  return tidy(() => {
    const mu = encodeMeans(model, x, y);
    const dec = need(model, 'decoder', 'reconstruction');
    return { originals: x.clone(), recon: noGrad(() => dec.decode(mu, y)) };
  });
}

/** Which plane of latent space manifoldLatents spans, and how finely. */
export interface ManifoldOptions {
  /** Points per side. */
  n?: number;
  /** Latent dimensions spanning the plane (z > 2), the others held at `base`. */
  dims?: [number, number];
  /** Where the other dimensions are held (default: the prior's mean, zero). */
  base?: Tensor;
  /** Use the plane of the two main principal directions of these codes instead of two dims. */
  pcaOf?: Tensor;
}

/**
 * The latent grid of the 2-D manifold figure: for each axis, the Gaussian's inverse CDF at
 * evenly spaced probabilities 0.05 ... 0.95, so that the grid covers the prior's mass evenly.
 * Rows go from high to low values of the second axis (up is positive, as in a plot).
 */
export function manifoldLatents(latentDim: number, o: ManifoldOptions = {}): Tensor {
  const n = o.n ?? 20;
  return tidy(() => {
    const q = call('special_ndtri', linspace(0.05, 0.95, n).handle).toArray();
    const rows: number[][] = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) rows.push([q[j]!, q[n - 1 - i]!]);
    const ab = tensor(rows); // [n*n, 2]
    if (o.pcaOf) {
      const { mean, axes, std } = pca2(o.pcaOf);
      return mean.add(ab.mul(std.reshape(1, 2)).matmul(axes));
    }
    if (latentDim === 2 && !o.dims) return ab;
    const [d0, d1] = o.dims ?? [0, 1];
    for (const d of [d0, d1])
      if (d < 0 || d >= latentDim) throw new RangeError(`latent dimension ${d} does not exist (0 to ${latentDim - 1})`);
    const base = o.base ? o.base.toArray() : new Array<number>(latentDim).fill(0);
    return tensor(rows.map(([u, v]) => base.map((x, k) => (k === d0 ? u! : k === d1 ? v! : x))));
  });
}

/** The two main principal directions of points [N, D]: their mean [1, D], unit axes [2, D] and standard deviations [2, 1]. */
export function pca2(points: Tensor): { mean: Tensor; axes: Tensor; std: Tensor } {
  return tidy(() => {
    const d = points.size(1);
    if (d < 2) throw new RangeError('PCA to 2-D needs at least 2 dimensions');
    const mean = points.mean(0, true);
    const centred = points.sub(mean);
    const cov = centred
      .t()
      .matmul(centred)
      .div(Math.max(1, points.size(0) - 1));
    // In float64: LAPACK's float32 eigh fails on large matrices (VQ-VAE's 3136-long codes: "SSYEVD
    // parameter number 8 had an illegal value"; its workspace size, computed in float32, rounds down).
    const [values, vectors] = callMany('linalg_eigh', cov.double().handle, 'L') as [Tensor, Tensor]; // ascending
    const axes = stack([vectors.select(1, d - 1), vectors.select(1, d - 2)]).to(points.dtype);
    const std = stack([values.select(0, d - 1), values.select(0, d - 2)])
      .clamp(0)
      .sqrt()
      .reshape(2, 1)
      .to(points.dtype);
    return { mean, axes, std };
  });
}

/** Points [N, D] projected on their two main principal directions: [N, 2]. */
export function project2d(points: Tensor): Tensor {
  if (points.size(1) === 2) return points.clone();
  return tidy(() => {
    const { mean, axes } = pca2(points);
    return points.sub(mean).matmul(axes.t());
  });
}

/** `steps` latent points from a to b (1-D tensors), linear or spherical (slerp, Shoemake 1985). */
export function interpolateLatents(a: Tensor, b: Tensor, steps: number, mode: 'linear' | 'slerp' = 'linear'): Tensor {
  return tidy(() => {
    const ts = Array.from({ length: steps }, (_, i) => (steps === 1 ? 0 : i / (steps - 1)));
    if (mode === 'linear') return cat(ts.map((t) => a.lerp(b, t).unsqueeze(0)));
    const cos = a.mul(b).sum().div(a.norm().mul(b.norm())).clamp(-1, 1).item();
    const omega = Math.acos(cos);
    if (omega < 1e-6) return cat(ts.map((t) => a.lerp(b, t).unsqueeze(0)));
    return cat(
      ts.map((t) =>
        a
          .mul(Math.sin((1 - t) * omega) / Math.sin(omega))
          .add(b.mul(Math.sin(t * omega) / Math.sin(omega)))
          .unsqueeze(0),
      ),
    );
  });
}

/** One row per latent dimension: z0 with that dimension swept over `values`, the others fixed. [D*S, latent] */
export function traversalLatents(z0: Tensor, values: number[], dims?: number[]): Tensor {
  return tidy(() => {
    const d = z0.numel;
    const rows: number[][] = [];
    const base = z0.toArray();
    for (const k of dims ?? Array.from({ length: d }, (_, i) => i)) {
      if (k < 0 || k >= d) throw new RangeError(`latent dimension ${k} does not exist (0 to ${d - 1})`);
      for (const v of values) rows.push(base.map((x, i) => (i === k ? v : x)));
    }
    return tensor(rows);
  });
}

/**
 * VQ-VAE (Aaron van den Oord, Oriol Vinyals and Koray Kavukcuoglu 2017, "Neural Discrete
 * Representation Learning", NeurIPS; arXiv:1711.00937): a conv encoder to a grid of vectors
 * z_e, each replaced by its nearest code of a learned codebook (quantizer.ts), and a conv decoder
 * from the quantised grid z_q. Training minimises, per image,
 *   L = -log p(x | z_q) + ||sg[z_e] - e||^2 + beta ||z_e - sg[e]||^2
 * (eq. 3; each squared norm summed over the grid, as the reconstruction is over the pixels), with
 * z_q = z_e + sg[e - z_e], the straight-through estimator: the decoder's gradient reaches the
 * encoder as if quantisation were the identity. With --ema the codebook loss is dropped and the
 * codebook follows moving averages of its vectors. The codebook starts at encoder outputs and
 * codes left unused for --restart-every steps restart at encoder outputs (Jukebox, Dhariwal et al.
 * 2020), so that most of the K codes are in use; each epoch records the codes' perplexity and
 * how many are used, in training and on the test set (usage.ts).
 *
 * Capabilities, through the flat latent z = the quantised grid [D, h, w] flattened
 * (latentDim = D h w): the encoder gives z_q, the decoder decodes any z (reconstructions,
 * interpolations and ONNX export as for any autoencoder), and the prior samples code grids from
 * a Gated PixelCNN (pixelcnn/) fitted afterwards by `latentlab prior`, then embeds them. Before
 * that the prior is the uniform one VQ-VAE trains under (sec. 3.2), and sampling says so.
 */
import { noGrad } from '../../tensor/autograd.js';
import { arange, full, randint } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Sequential } from '../../nn/container.js';
import type { Capabilities, Prior } from '../capabilities.js';
import { LatentModel } from '../common/latent-model.js';
import type { LikelihoodName } from '../common/likelihood.js';
import type { Batch, StepContext, Sums } from '../model.js';
import { GatedPixelCnn } from '../pixelcnn/pixelcnn.js';
import { codeGrid, vqDecoder, vqEncoder } from './networks.js';
import { VectorQuantizer } from './quantizer.js';
import { bincount, CodeUsage } from './usage.js';

export interface VqVaeOptions {
  imageShape: [number, number, number];
  /** Codebook size K. */
  codes: number;
  /** Code dimension D. */
  codeDim: number;
  /** Channels of the conv layers. */
  width: number;
  /** beta, the commitment loss's weight. */
  commitment: number;
  /** EMA decay of the codebook updates, or null for the codebook loss. */
  ema: number | null;
  /** Training steps between restarts of unused codes; 0: never. */
  restartEvery: number;
  /** Channels and gated layers of the PixelCNN prior. */
  priorWidth: number;
  priorLayers: number;
  likelihood?: LikelihoodName;
  sigma?: number | 'learned';
}

/** A batch's VQ-VAE terms, summed over its images. */
export interface VqTerms {
  /** What is minimised: recon + codebook (without EMA) + beta * commitment. */
  loss: Tensor;
  recon: Tensor;
  /** ||sg[z_e] - e||^2 and ||z_e - sg[e]||^2: equal in value, different in gradient. */
  codebook: Tensor;
  commitment: Tensor;
  /** The codes chosen, [B*h*w] int64. */
  indices: Tensor;
}

/** VQ-VAE (van den Oord et al. 2017): conv encoder, nearest-code quantisation of its grid, conv decoder. */
export class VqVae extends LatentModel {
  readonly modelName = 'vq-vae';
  readonly variational = false;
  readonly enc: Sequential;
  readonly quantizer: VectorQuantizer;
  readonly dec: Sequential;
  readonly pixelcnn: GatedPixelCnn;
  readonly grid: [number, number];
  readonly codeDim: number;
  readonly commitment: number;
  readonly restartEvery: number;
  readonly prior: Prior;
  /** Codes chosen in the training epoch in progress, and in the latest evaluation pass. */
  readonly trainUsage: CodeUsage;
  readonly evalUsage: CodeUsage;
  #usageEpoch = -1;
  #warned = false;

  constructor(o: VqVaeOptions) {
    const grid = codeGrid(o.imageShape);
    super({ latent: o.codeDim * grid[0] * grid[1], imageShape: o.imageShape });
    if (!(o.commitment >= 0)) throw new RangeError(`commitment weight must be >= 0, got ${o.commitment}`);
    if (!(Number.isInteger(o.restartEvery) && o.restartEvery >= 0))
      throw new RangeError(`restart-every must be a non-negative integer, got ${o.restartEvery}`);
    this.grid = grid;
    this.codeDim = o.codeDim;
    this.commitment = o.commitment;
    this.restartEvery = o.restartEvery;
    this.enc = this.module('enc', vqEncoder(o.imageShape[0], o.width, o.codeDim));
    this.quantizer = this.module('quantizer', new VectorQuantizer(o));
    this.dec = this.module('dec', vqDecoder(o.imageShape[0], o.width, o.codeDim));
    this.pixelcnn = this.module(
      'prior',
      new GatedPixelCnn({ classes: o.codes, channels: o.priorWidth, layers: o.priorLayers, grid }),
    );
    this.withLikelihood(o.likelihood, o.sigma);
    this.trainUsage = new CodeUsage(o.codes);
    this.evalUsage = new CodeUsage(o.codes);
    this.prior = {
      latentDim: this.latentDim,
      sample: (n) => noGrad(() => this.embedCodes(this.sampleCodes(n))),
      logDensity: (z) => this.codeLogProb(z),
    };
  }

  override get capabilities(): Capabilities {
    return { ...super.capabilities, prior: this.prior };
  }

  get codes(): number {
    return this.quantizer.codes;
  }

  /** The autoencoder's parameters; the PixelCNN prior is fitted apart, after training (`latentlab prior`). */
  override parameterGroups(): Record<string, Tensor[]> {
    return { model: this.namedParameters().flatMap(([n, p]) => (n.startsWith('prior.') ? [] : [p])) };
  }

  /** The PixelCNN prior's parameters. */
  priorParameters(): Tensor[] {
    return this.pixelcnn.parameters();
  }

  /** Switching to eval mode starts a new evaluation pass: its code histogram starts empty. */
  override train(on = true): this {
    if (!on && this.training) this.evalUsage.reset();
    return super.train(on);
  }

  /** Encoder outputs of images [B, C, H, W] as rows [B*h*w, D] (row-major over the grid). */
  encodeRows(x: Tensor): Tensor {
    return this.enc.forward(x).permute(0, 2, 3, 1).reshape(-1, this.codeDim);
  }

  /** The code grid of images: [B, h, w] int64. */
  codesOf(x: Tensor): Tensor {
    return this.quantizer.nearest(this.encodeRows(x)).reshape(x.size(0), ...this.grid);
  }

  /** Flat latents [B, D*h*w] of code grids [B, h, w]: the codes' vectors, channel-major. */
  embedCodes(indices: Tensor): Tensor {
    return this.quantizer.lookup(indices).permute(0, 3, 1, 2).reshape(indices.size(0), -1);
  }

  /** Images [B, C, H, W] decoded from code grids [B, h, w]. */
  decodeCodes(indices: Tensor): Tensor {
    return this.decode(this.embedCodes(indices));
  }

  /** What each code decodes to: code k over the whole grid, for k = 0 ... K-1: [K, C, H, W]. */
  codeImages(): Tensor {
    return noGrad(() =>
      this.decodeCodes(
        arange(0, this.codes, 1, { dtype: 'int64' })
          .reshape(this.codes, 1, 1)
          .expand(this.codes, ...this.grid)
          .contiguous(),
      ),
    );
  }

  protected encodeRaw(x: Tensor): { mu: Tensor; rawVar: null } {
    return { mu: this.embedCodes(this.codesOf(x)), rawVar: null };
  }

  protected decodeRaw(z: Tensor): Tensor {
    return this.dec.forward(z.reshape(z.size(0), this.codeDim, ...this.grid));
  }

  /** The terms for images x whose encoder rows are `rows` [B*h*w, D] (encodeRows(x)). */
  quantisedTerms(rows: Tensor, x: Tensor): VqTerms {
    const b = x.size(0);
    const indices = this.quantizer.nearest(rows.detach());
    const q = this.quantizer.lookup(indices);
    const codebook = q.sub(rows.detach()).square().sum();
    const commitment = rows.sub(q.detach()).square().sum();
    const straight = rows.add(q.sub(rows).detach()); // z_e + sg[z_q - z_e]: z_q forward, identity backward
    const zq = straight.reshape(b, ...this.grid, this.codeDim).permute(0, 3, 1, 2);
    const recon = this.likelihood.nll(this.dec.forward(zq), x);
    let loss = recon.add(commitment.mul(this.commitment));
    if (this.quantizer.decay === null) loss = loss.add(codebook);
    return { loss, recon, codebook, commitment, indices };
  }

  override trainingStep(b: Batch, ctx: StepContext): Sums {
    if (Math.floor(b.t) !== this.#usageEpoch) {
      this.#usageEpoch = Math.floor(b.t);
      this.trainUsage.reset();
    }
    const rows = this.encodeRows(b.x);
    const every = this.restartEvery;
    if (this.quantizer.ready.item() === 0 || (every > 0 && b.iteration > 0 && b.iteration % every === 0))
      this.quantizer.restart(rows.detach());
    const t = this.quantisedTerms(rows, b.x);
    ctx.step('model', t.loss.div(b.x.size(0)));
    if (this.quantizer.decay !== null) this.quantizer.emaUpdate(rows.detach(), t.indices);
    const counts = bincount(t.indices.toArray(), this.codes);
    this.quantizer.addHits(counts);
    this.trainUsage.add(counts);
    return { loss: t.loss.item(), recon: t.recon.item(), vq: t.commitment.item() };
  }

  override validationStep(b: Batch): Sums {
    const t = this.quantisedTerms(this.encodeRows(b.x), b.x);
    this.evalUsage.add(bincount(t.indices.toArray(), this.codes));
    return { loss: t.loss.item(), recon: t.recon.item(), vq: t.commitment.item() };
  }

  /** Code usage of the epoch's training steps and of its last evaluation pass (the test set). */
  override epochValues(): Record<string, number> {
    const out: Record<string, number> = {};
    const r2 = (v: number): number => Math.round(v * 100) / 100;
    if (this.trainUsage.total)
      Object.assign(out, { perplexity: r2(this.trainUsage.perplexity), codes_used: this.trainUsage.used });
    if (this.evalUsage.total)
      Object.assign(out, { test_perplexity: r2(this.evalUsage.perplexity), test_codes_used: this.evalUsage.used });
    return out;
  }

  /** n code grids from the PixelCNN, or uniformly random ones (with a warning) before it is trained. */
  sampleCodes(n: number): Tensor {
    if (this.pixelcnn.trained) return this.pixelcnn.sample(n);
    // Said once, when a finished run samples (`sample`, `quality`); training's pictures draw these silently.
    if (!this.#warned && !this.training) {
      this.#warned = true;
      process.emitWarning(
        `${this.modelName}'s PixelCNN prior is untrained, so samples decode uniformly random codes (the prior it trains under); fit the prior to the run's codes with \`latentlab prior --run <run>\``,
        'UntrainedPriorWarning',
      );
    }
    return randint(0, this.codes, [n, ...this.grid], { dtype: 'int64' });
  }

  /**
   * log P of the code grid nearest to each flat latent z [..., D*h*w]: [...]. A probability of
   * discrete codes, not a density; -h w log K under the untrained (uniform) prior.
   */
  codeLogProb(z: Tensor): Tensor {
    const lead = z.shape.slice(0, -1);
    return noGrad(() => {
      const flat = z.reshape(-1, this.codeDim, ...this.grid);
      const rows = flat.permute(0, 2, 3, 1).reshape(-1, this.codeDim);
      const codes = this.quantizer.nearest(rows).reshape(flat.size(0), ...this.grid);
      const cells = this.grid[0] * this.grid[1];
      const logp = this.pixelcnn.trained
        ? this.pixelcnn.nll(codes).neg()
        : full([flat.size(0)], -cells * Math.log(this.codes), { dtype: z.dtype });
      return logp.reshape(...lead);
    });
  }
}

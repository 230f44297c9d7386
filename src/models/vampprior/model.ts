/**
 * The VAE with a VampPrior (Jakub M. Tomczak and Max Welling 2018, "VAE with a VampPrior",
 * AISTATS; arXiv:1705.07120): the MLP VAE of vae-mlp whose prior is the variational mixture
 * of posteriors at K learned pseudo-inputs u_1 ... u_K,
 *   p(z) = (1/K) sum_k q(z | u_k),
 *   log p(z) = logsumexp_k log N(z; mu(u_k), diag(exp(logvar(u_k)))) - log K,
 * where mu and logvar are the encoder's. The KL term has no closed form, so it is estimated by
 * Monte Carlo with the reparameterised sample that also feeds the decoder (the paper's eq. 6,
 * pythae's VAMP), and the loss is
 *   -ELBO = E_q[-log p(x|z) + log q(z|x) - log p(z)],  one sample z = mu + sigma * eps,
 * with vae-mlp's KL weight (--beta, --kl-schedule: the paper warms the KL term up linearly)
 * applying to the log q - log p part. The pseudo-inputs are pythae's layout: a Linear layer
 * from K to the image size applied to the identity, then Hardtanh(0, 1) (a clamp to [0, 1]);
 * the layer's weight starts at N(0.05, 0.01) and its bias at 0, as in the paper's code, so that
 * each pseudo-input begins as a faint grey image inside (0, 1) where every pixel has gradient.
 * Each step encodes the K pseudo-inputs once, as one [K, C*H*W] batch.
 *
 * Every capability but the prior comes from VaeMlp: the encoder, decoder, posterior and
 * likelihood, so eval, the pictures, the web explorer and ONNX export (decoder and encoder;
 * the pseudo-inputs are not part of either) work as for vae-mlp. The prior capability is the
 * mixture: eval's importance-weighted NLL uses its logDensity, and sample() picks a component
 * uniformly and draws from its Gaussian.
 */
import { noGrad } from '../../tensor/autograd.js';
import { randint, randn, randnLike } from '../../tensor/create.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Linear } from '../../nn/linear.js';
import { normalInit } from '../../nn/init.js';
import type { Capabilities, Prior } from '../capabilities.js';
import type { LossTerms } from '../common/latent-model.js';
import { reparameterize } from '../common/losses.js';
import { VaeMlp, type VaeMlpOptions } from '../vae-mlp/model.js';
import { mixtureLogDensity } from './prior.js';

const LOG_2PI = Math.log(2 * Math.PI);

export interface VampPriorOptions extends VaeMlpOptions {
  /** Pseudo-inputs, the mixture's components (K). */
  components: number;
}

/** The MLP VAE with a VampPrior (Tomczak and Welling 2018): p(z) = (1/K) sum_k q(z | u_k) over learned pseudo-inputs. */
export class VampPriorVae extends VaeMlp {
  readonly components: number;
  /** The pseudo-inputs' layer: u = clamp(W I + b, 0, 1), weight [C*H*W, K]. */
  readonly pseudo: Linear;
  /** The VampPrior as the `prior` capability. */
  readonly prior: Prior;

  constructor(o: VampPriorOptions) {
    super({ ...o, name: 'vampprior' });
    if (this.numClasses) throw new Error('vampprior is unconditional');
    if (!(Number.isInteger(o.components) && o.components >= 1))
      throw new RangeError(`components must be a positive integer, got ${o.components}`);
    this.components = o.components;
    const d = o.imageShape.reduce((a, b) => a * b, 1);
    this.pseudo = this.module('pseudo', new Linear(o.components, d));
    normalInit(this.pseudo.weight, 0.05, 0.01);
    noGrad(() => this.pseudo.bias!.zero_());
    this.prior = {
      latentDim: this.latentDim,
      sample: (n) => this.samplePrior(n),
      logDensity: (z) => this.logPrior(z),
    };
  }

  override get capabilities(): Capabilities {
    return { ...super.capabilities, prior: this.prior };
  }

  /**
   * The K pseudo-inputs, [K, C, H, W] in [0, 1]. The layer applied to the identity is W^T + b
   * exactly (each output is one weight plus the bias), so the [K, K] product is skipped.
   */
  pseudoInputs(): Tensor {
    return this.pseudo.weight
      .t()
      .add(this.pseudo.bias!)
      .clamp(0, 1)
      .reshape(this.components, ...this.imageShape);
  }

  /** The mixture's components: q(z|u_k)'s mean and log-variance, [K, latent] each. */
  priorComponents(): { mu: Tensor; logvar: Tensor } {
    return this.posterior(this.pseudoInputs());
  }

  /** log p(z) under the VampPrior for codes z [..., latent]: [...]. Encodes the pseudo-inputs. */
  logPrior(z: Tensor): Tensor {
    const { mu, logvar } = this.priorComponents();
    return mixtureLogDensity(z, mu, logvar);
  }

  /** n codes from the VampPrior: a component k uniformly at random, then z ~ N(mu_k, diag(exp(logvar_k))). */
  samplePrior(n: number): Tensor {
    return noGrad(() => {
      const { mu, logvar } = this.priorComponents();
      const k = randint(0, this.components, [n], { dtype: 'int64', device: mu.device });
      const eps = randn([n, this.latentDim], { dtype: mu.dtype, device: mu.device });
      return reparameterize(mu.indexSelect(0, k), logvar.indexSelect(0, k), eps);
    });
  }

  /**
   * The one-sample -ELBO summed over the batch, its terms, and the loss recon + beta * kl, where
   * kl = sum_i [log q(z_i|x_i) - log p(z_i)] is the Monte Carlo estimate of KL(q(z|x) || p(z)).
   * With z = mu + sigma * eps, log q(z|x) = -0.5 * (|eps|^2 + sum(logvar) + D log 2pi).
   * The noise eps [B, latent] is drawn from N(0, I) unless given (tests pass their own).
   */
  override lossTerms(x: Tensor, beta: number, y?: Tensor, eps?: Tensor): LossTerms {
    const { mu, logvar } = this.posterior(x, y);
    const e = eps ?? randnLike(mu);
    if (e.ndim !== 2 || e.size(0) !== mu.size(0) || e.size(1) !== mu.size(1))
      throw new RangeError(`eps must be [${mu.shape}], got [${e.shape}]`);
    const z = reparameterize(mu, logvar, e);
    const recon = this.likelihood.nll(this.decodeRaw(z, y), x);
    const logq = e
      .square()
      .sum(1)
      .add(logvar.sum(1))
      .add(this.latentDim * LOG_2PI)
      .mul(-0.5);
    const kl = logq.sub(this.logPrior(z)).sum();
    return { loss: beta === 1 ? recon.add(kl) : recon.add(kl.mul(beta)), recon, kl, negElbo: recon.add(kl) };
  }
}

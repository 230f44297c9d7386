/** Declaration of vq-vae: VQ-VAE (van den Oord et al. 2017) with a Gated PixelCNN prior fitted after training. */
import { Type } from '@sinclair/typebox';
import { describeLikelihood } from '../common/describe.js';
import { likelihoodOptions } from '../common/options.js';
import type { MetricDeclaration } from '../model.js';
import { defineModel } from '../model.js';
import { opt } from '../../util/options.js';
import { VqVae } from './model.js';

const METRICS: readonly MetricDeclaration[] = [
  { key: 'recon', label: 'recon', unit: 'nats', direction: 'min', digits: 2 },
  { key: 'vq', label: '|z-e|^2', unit: '', direction: 'min', digits: 2 },
  { key: 'loss', label: 'loss', unit: 'nats', direction: 'min', digits: 2, hidden: true },
];

export default defineModel({
  name: 'vq-vae',
  description:
    'VQ-VAE (van den Oord et al. 2017): a conv autoencoder through a codebook of K discrete codes on a 7x7 grid, with a Gated PixelCNN prior fitted afterwards (latentlab prior)',
  options: {
    codes: opt.int(512, { min: 2, help: 'codebook size K', arg: 'k' }),
    codeDim: opt.int(64, { min: 1, help: 'dimension D of each code', arg: 'n' }),
    width: opt.int(64, { min: 1, help: 'channels of the conv layers', arg: 'n' }), // the GANs' --width schema
    commitment: opt.num(0.25, { min: 0, help: 'weight beta of the commitment loss ||z - sg[e]||^2', arg: 'x' }),
    ema: opt.nullable(Type.Number({ exclusiveMinimum: 0, maximum: 1 }), {
      help: "EMA codebook updates with this decay (the paper's 0.99) instead of the codebook loss; none: the codebook loss",
      arg: 'decay',
    }),
    restartEvery: opt.int(100, {
      min: 0,
      help: 'training steps between restarts of unused codes at encoder outputs (0: never)',
      arg: 'n',
    }),
    priorWidth: opt.int(64, { min: 1, help: 'channels of the Gated PixelCNN prior', arg: 'n' }),
    priorLayers: opt.int(6, { min: 1, help: 'gated layers of the PixelCNN prior', arg: 'n' }),
    ...likelihoodOptions,
  },
  metrics: METRICS,
  monitor: 'loss',
  check: (o) => (o.ema !== null && o.ema >= 1 ? `--ema must be below 1 (a decay of 1 never moves the codebook)` : null),
  describe: (o) => ({
    likelihood: describeLikelihood(o),
    codebook: `${o.codes} codes of dimension ${o.codeDim}, ${o.ema === null ? 'learned by the codebook loss' : `EMA updates with decay ${o.ema}`}; unused codes restart at encoder outputs ${o.restartEvery ? `every ${o.restartEvery} steps` : 'never'}`,
    loss: `-log p(x|z_q) + ${o.ema === null ? '||sg[z_e] - e||^2 + ' : ''}${o.commitment} * ||z_e - sg[e]||^2 (squared norms summed over the code grid), straight-through gradients to the encoder; per image`,
    prior: `a Gated PixelCNN (${o.priorLayers} layers, ${o.priorWidth} channels) over the code grid, fitted after training by latentlab prior; uniform until then`,
  }),
  build: (o, ctx) => new VqVae({ ...o, imageShape: ctx.imageShape }),
});

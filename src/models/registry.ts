/**
 * The registry: a list of model declarations, one line each, and nothing else. A new model is
 * a folder with an index.ts that exports its declaration, plus one line here. Programs that use
 * latentlab as a library (and tests) add their own with registerModel().
 *
 * Option names: a model's own option may share its name with another model's only if both
 * declare the same schema (defaults and help may differ: `latent` is 20 for VAEs and 100 for
 * GANs), and never with a common setting (train/config.ts); the trainer checks both.
 */
import aeConv from './ae-conv/index.js';
import aeMlp from './ae-mlp/index.js';
import betaTcvae from './beta-tcvae/index.js';
import cgan from './cgan/index.js';
import ciwae from './ciwae/index.js';
import cvae from './cvae/index.js';
import dcgan from './dcgan/index.js';
import factorVae from './factor-vae/index.js';
import ganMlp from './gan-mlp/index.js';
import iwae from './iwae/index.js';
import miwae from './miwae/index.js';
import piwae from './piwae/index.js';
import type { ModelDeclaration } from './model.js';
import rae from './rae/index.js';
import vaeConv from './vae-conv/index.js';
import vaeMlp from './vae-mlp/index.js';
import vampprior from './vampprior/index.js';
import vqVae from './vq-vae/index.js';
import wae from './wae/index.js';
import wganGp from './wgan-gp/index.js';

const MODELS: ModelDeclaration[] = [
  vaeMlp,
  vaeConv,
  aeMlp,
  aeConv,
  cvae,
  ganMlp,
  dcgan,
  wganGp,
  cgan,
  iwae,
  miwae,
  piwae,
  ciwae,
  vampprior,
  wae,
  rae,
  betaTcvae,
  factorVae,
  vqVae,
];

/** Every registered declaration, in registration order. */
export function models(): readonly ModelDeclaration[] {
  return MODELS;
}

/** The declaration of `name`, or undefined (a run of a model this build does not know). */
export function findModel(name: string): ModelDeclaration | undefined {
  return MODELS.find((m) => m.name === name);
}

/** The declaration of `name`, or an error listing the known ones. */
export function getModel(name: string): ModelDeclaration {
  const d = findModel(name);
  if (!d) throw new Error(`unknown model '${name}' (known: ${MODELS.map((m) => m.name).join(', ')})`);
  return d;
}

/** Adds a model (a library user's own, or a test's); a second model of the same name is an error. */
export function registerModel(d: ModelDeclaration): void {
  if (MODELS.some((m) => m.name === d.name)) throw new Error(`a model named '${d.name}' is already registered`);
  MODELS.push(d);
}

/** Removes a model added by registerModel (for tests). */
export function unregisterModel(name: string): void {
  const i = MODELS.findIndex((m) => m.name === name);
  if (i >= 0) MODELS.splice(i, 1);
}

/**
 * A training run's configuration: the common settings below (data, optimizer, schedule, early
 * stopping, seed) plus the chosen model's own options (its declaration in src/models/<name>/),
 * each declared once with TypeBox, with a default and a help line. Defaults, then a JSON file,
 * then command-line flags. Unknown keys, keys of another model and wrong types are errors that
 * name the key, as nanoGPT's configurator makes them.
 */
import { readFileSync } from 'node:fs';
import type { ModelDeclaration } from '../models/model.js';
import { findModel, getModel, models } from '../models/registry.js';
import {
  checkOption,
  ConfigError,
  defaultsOf,
  flagName,
  opt,
  sameOption,
  Type,
  type Static,
  type TObject,
  type TProperties,
  type TSchema,
} from '../util/options.js';

export { ConfigError, flagName };

/** The model a run trains when none is named. */
export const DEFAULT_MODEL = 'vae-mlp';

/** The settings every run has, whatever its model. */
export const COMMON = {
  model: opt.str(DEFAULT_MODEL, { help: 'model to train (see the list below)', arg: 'name' }),
  dataset: opt.str('mnist', {
    help: 'mnist, fashion-mnist, a folder of class sub-folders of images, a folder of IDX files, or IMAGES,LABELS',
    arg: 'name',
  }),
  dataDir: opt.nullable(Type.String({ minLength: 1 }), {
    help: 'extra folder searched first for built-in datasets',
    arg: 'dir',
  }),
  classes: opt.nullable(Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 }), {
    help: 'train on these classes only, e.g. 7 or 1,7',
    arg: 'list',
  }),
  limit: opt.nullable(Type.Integer({ minimum: 1 }), { help: 'use only the first n training images', arg: 'n' }),
  size: opt.nullable(Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 }), {
    help: 'resize the images of a folder or IDX dataset to HxW (e.g. 32 or 32,48)',
    arg: 'list',
  }),
  channels: opt.nullable(Type.Integer({ minimum: 1 }), {
    help: 'folder images as 1 (grayscale) or 3 (RGB) channels',
    arg: 'n',
  }),
  binarize: opt.choice(['none', 'static', 'dynamic'], 'dynamic', {
    help: 'pixels as grey levels, thresholded at 0.5, or Bernoulli draws per batch',
  }),
  epochs: opt.int(10, { min: 1, help: 'passes over the training set', arg: 'n' }),
  batchSize: opt.int(128, { min: 1, help: 'images per step', arg: 'n' }),
  optimizer: opt.choice(['adam', 'adamw', 'sgd', 'rmsprop', 'adadelta'], 'adam', { help: 'optimizer' }),
  lr: opt.nullable(Type.Number({ exclusiveMinimum: 0 }), {
    help: "learning rate (default: the model's, else the optimizer's: adam 1e-3, adadelta 1, sgd/rmsprop 1e-2)",
    arg: 'x',
  }),
  beta1: opt.nullable(Type.Number({ minimum: 0, maximum: 1 }), {
    help: "Adam's beta1 (default: the model's, else 0.9)",
    arg: 'x',
  }),
  beta2: opt.nullable(Type.Number({ minimum: 0, maximum: 1 }), {
    help: "Adam's beta2 (default: the model's, else 0.999)",
    arg: 'x',
  }),
  lrSchedule: opt.choice(['constant', 'step', 'cosine'], 'constant', { help: 'learning-rate schedule over epochs' }),
  lrStepEpochs: opt.int(10, { min: 1, help: 'step schedule: epochs between decays', arg: 'n' }),
  lrGamma: opt.num(0.5, { above: 0, help: 'step schedule: factor of each decay', arg: 'x' }),
  weightDecay: opt.num(0, { min: 0, help: 'weight decay', arg: 'x' }),
  momentum: opt.num(0.9, { min: 0, help: 'momentum of sgd and rmsprop', arg: 'x' }),
  fusedOptimizer: Type.Boolean({
    default: true,
    description:
      'update with the native fused step (adam, adamw, sgd, rmsprop on CPU); false: the reference path of ATen operators',
    arg: 'true|false',
  }),
  valFraction: opt.num(0, {
    min: 0,
    max: 0.9,
    help: 'share of the training set held out for validation (needed for early stopping)',
    arg: 'x',
  }),
  patience: opt.nullable(Type.Integer({ minimum: 1 }), {
    help: 'early stopping: epochs without validation improvement before stopping',
    arg: 'n',
  }),
  minDelta: opt.num(0, { min: 0, help: 'early stopping: smallest improvement that counts', arg: 'x' }),
  seed: opt.int(0, { min: 0, help: 'random seed (with the same threads, the same run)', arg: 'n' }),
  threads: Type.Union([Type.Integer({ minimum: 1 }), Type.Literal('auto'), Type.Null()], {
    default: null,
    description:
      'compute threads, or auto: time a few steps at 1 thread and at all cores and keep the faster (the choice goes into config.json); default: OMP_NUM_THREADS if set, else all cores',
    arg: 'n|auto',
    errorMessage: "must be a positive integer, 'auto' or none",
  }),
  evalBatchSize: opt.int(1000, { min: 1, help: 'images per evaluation batch', arg: 'n' }),
  profile: opt.nullable(Type.Integer({ minimum: 1 }), {
    help:
      "record n training steps (after a warm-up step) with libtorch's profiler into profile-trace.json (a Chrome trace: " +
      'Perfetto, chrome://tracing) and profile.json, print the top operators by self time, and stop (no checkpoint)',
    arg: 'n',
  }),
};

/** The common settings' type; a run's configuration adds its model's options. */
export type CommonConfig = Static<TObject<typeof COMMON>>;
/** A resolved configuration: the common settings and the model's options (read them through the model's declaration). */
export type RunConfig = CommonConfig & { readonly [option: string]: unknown };

/** The schema of a run of `model`: the common settings (with the model's defaults) and the model's own options. */
export function runSchema(model: string | ModelDeclaration): TProperties {
  const d = typeof model === 'string' ? getModel(model) : model;
  checkOptionNames(d);
  const common: TProperties = { ...COMMON };
  for (const [k, v] of Object.entries(d.commonDefaults ?? {})) common[k] = { ...common[k], default: v } as TSchema;
  return { ...common, ...d.options };
}

/** The option-name rules (registry.ts): never a common setting's name; another model's only with the same schema. */
function checkOptionNames(d: ModelDeclaration): void {
  for (const [k, s] of Object.entries(d.options)) {
    if (k in COMMON) throw new Error(`model ${d.name}: option '${k}' clashes with the common setting of that name`);
    const other = models().find((m) => m !== d && m.options[k] && !sameOption(m.options[k], s));
    if (other) throw new Error(`model ${d.name}: option '${k}' differs from ${other.name}'s option of that name`);
  }
  for (const k of Object.keys(d.commonDefaults ?? {}))
    if (!(k in COMMON)) throw new Error(`model ${d.name}: commonDefaults names '${k}', which is no common setting`);
}

/** Every option name any model declares, with the models that declare it. */
export function modelOptionOwners(): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const m of models()) for (const k of Object.keys(m.options)) owners.set(k, [...(owners.get(k) ?? []), m.name]);
  return owners;
}

/** The schema of one key, from the common settings or from whichever model declares it. */
export function anySchema(key: string): TSchema | undefined {
  return (COMMON as TProperties)[key] ?? models().find((m) => m.options[key])?.options[key];
}

/** Checks one key and value for a run of `model`; `source` names where it came from. */
function checkFor(schema: TProperties, model: string, key: string, value: unknown, source: string): void {
  if (!(key in schema)) {
    const owners = modelOptionOwners().get(key);
    if (owners)
      throw new ConfigError(
        `${source}: '${key}' does not apply to ${model}; it is an option of ${owners.join(', ')} (latentlab train --model ${model} --help lists ${model}'s options)`,
      );
  }
  checkOption(schema, key, value, source);
}

/** Reads a JSON config file: an object whose keys are all known and well typed. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw new ConfigError(`${path} must hold a JSON object`);
  const known: TProperties = { ...COMMON };
  for (const k of modelOptionOwners().keys()) known[k] = anySchema(k)!;
  for (const [k, v] of Object.entries(obj)) checkOption(known, k, v, path);
  return Object.defineProperty({ ...(obj as Record<string, unknown>) }, SOURCE, { value: path, enumerable: false });
}

/** Where a file's settings came from, carried with them for error messages. */
const SOURCE = Symbol('source');

/** Defaults, then the file, then the flags; then the checks that hold across keys. */
export function resolveConfig(file: Record<string, unknown> = {}, flags: Record<string, unknown> = {}): RunConfig {
  const model = (flags.model ?? file.model ?? DEFAULT_MODEL) as string;
  const fileSource = (file as { [SOURCE]?: string })[SOURCE] ?? 'config';
  const modelSource = flags.model !== undefined ? 'option --model' : fileSource;
  checkOption(COMMON, 'model', model, modelSource);
  const d = findModel(model);
  if (!d) {
    const known = models().map((m) => m.name);
    throw new ConfigError(`${modelSource}: 'model' must be one of ${known.join(', ')}, got ${JSON.stringify(model)}`);
  }
  const schema = runSchema(d);
  for (const [k, v] of Object.entries(file)) checkFor(schema, model, k, v, fileSource);
  for (const [k, v] of Object.entries(flags)) checkFor(schema, model, k, v, `option ${flagName(k)}`);
  const defaults = defaultsOf(schema);
  const c = { ...defaults, ...file, ...flags, model } as Record<string, unknown>;
  // "none" (null) for a setting the model gives a value (a GAN's lr) means that value, as --help says.
  for (const [k, v] of Object.entries(defaults)) if (c[k] === null && v !== null) c[k] = v;
  crossChecks(c as RunConfig, d);
  return c as RunConfig;
}

function crossChecks(c: RunConfig, d: ModelDeclaration): void {
  if (c.patience !== null && c.valFraction === 0)
    throw new ConfigError('early stopping (--patience) needs a validation split: give --val-fraction, e.g. 0.1');
  if (c.patience !== null && !d.monitor)
    throw new ConfigError(`early stopping watches a validation metric, and ${d.name} declares none to watch`);
  if (c.size && c.size.length > 2) throw new ConfigError(`size must be H or HxW, got ${c.size.join('x')}`);
  if (c.channels !== null && c.channels !== 1 && c.channels !== 3)
    throw new ConfigError(`channels must be 1 or 3, got ${c.channels}`);
  if (d.optimizers && !d.optimizers.includes(c.optimizer))
    throw new ConfigError(`${d.name} trains with ${d.optimizers.join(' or ')}; got --optimizer ${c.optimizer}`);
  const problem = d.check?.(c);
  if (problem) throw new ConfigError(`${d.name}: ${problem}`);
}

/**
 * A configuration as stored in a run's config.json. Runs written before models declared their
 * own options (latentlab 0.1) stored every model's keys, with null for "the family's default":
 * keys the model does not have are dropped, and so is null where the model's schema has a
 * non-null default.
 */
export function resolveStoredConfig(
  stored: Record<string, unknown>,
  flags: Record<string, unknown> = {},
  /** The file the settings came from, named in errors. */
  source = 'config',
): RunConfig {
  const model = typeof stored.model === 'string' ? stored.model : DEFAULT_MODEL;
  const schema = runSchema(model);
  const kept = Object.entries(stored).filter(
    ([k, v]) => k in schema && !(v === null && (schema[k] as { default?: unknown }).default !== null),
  );
  return resolveConfig(Object.defineProperty(Object.fromEntries(kept), SOURCE, { value: source }), flags);
}

/** The model's own options of a configuration, typed by the caller. */
export function modelOptions<T = Record<string, unknown>>(c: RunConfig): T {
  const d = getModel(c.model);
  return Object.fromEntries(Object.keys(d.options).map((k) => [k, c[k]])) as T;
}

/** The learning rate, filling in the optimizer's default. */
export function effectiveLr(c: Pick<CommonConfig, 'lr' | 'optimizer'>): number {
  if (c.lr !== null) return c.lr;
  return { adam: 1e-3, adamw: 1e-3, sgd: 1e-2, rmsprop: 1e-2, adadelta: 1 }[c.optimizer];
}

/** Adam's betas, filling in Adam's defaults. */
export function adamBetas(c: Pick<CommonConfig, 'beta1' | 'beta2'>): [number, number] {
  return [c.beta1 ?? 0.9, c.beta2 ?? 0.999];
}

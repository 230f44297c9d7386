/**
 * A run directory from a safetensors file of weights: one saved by latentlab on another
 * machine, or by a PyTorch model with the same layer names (PyTorch's `state_dict()` names:
 * bench/reference/torch_vae.py's MLP is vae-mlp's layout). Every tensor's name and shape
 * is checked against the model the configuration builds before anything is written; then
 * model.safetensors and config.json make a run that sample, decode, export, ... open as any other.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDataset } from '../data/load.js';

import { loadSafetensors, saveSafetensors } from '../tensor/safetensors.js';
import { disposeAll } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import type { RunConfig } from './config.js';
import { buildModel, runDatasetSpec, runVersions } from './prepare.js';
import { FILES, writeConfig } from './run-dir.js';
import { acquireRunLock } from './run-lock.js';

const FLOATING = ['float32', 'float64', 'float16', 'bfloat16'];

/** What differs between the model's state dict and a file's tensors: names missing from the file, extra in it, or of another shape or kind. */
export function stateDictMismatches(
  own: Record<string, Tensor>,
  file: Record<string, Tensor>,
): { missing: string[]; unexpected: string[]; mismatched: string[] } {
  const missing = Object.keys(own).filter((k) => !(k in file));
  const unexpected = Object.keys(file).filter((k) => !(k in own));
  const mismatched = Object.entries(own).flatMap(([k, t]) => {
    const f = file[k];
    if (!f) return [];
    if (f.shape.join() !== t.shape.join()) return [`${k} [${f.shape}] in the file, [${t.shape}] in the model`];
    if (FLOATING.includes(t.dtype) !== FLOATING.includes(f.dtype))
      return [`${k} is ${f.dtype} in the file, ${t.dtype} in the model`];
    return [];
  });
  return { missing, unexpected, mismatched };
}

/** The run importRun made. */
export interface ImportedRun {
  /** The new run folder. */
  dir: string;
  /** Tensors copied from the file. */
  tensors: number;
  /** The model's trainable scalars. */
  parameters: number;
}

/**
 * Creates the run `dir` from `weights` and a resolved configuration (the same settings train
 * takes), holding the folder's lock meanwhile: a folder another process writes is refused.
 */
export async function importRun(
  weights: string,
  config: RunConfig,
  dir: string,
  o: { onNote?: (text: string) => void } = {},
): Promise<ImportedRun> {
  const lock = acquireRunLock(dir, { command: 'import', ...(o.onNote ? { onNote: o.onNote } : {}) });
  try {
    return await importLocked(weights, config, dir);
  } finally {
    lock.release();
  }
}

async function importLocked(weights: string, config: RunConfig, dir: string): Promise<ImportedRun> {
  if (existsSync(join(dir, FILES.config))) throw new Error(`${dir} already holds a run; choose another --out`);
  if (!existsSync(weights)) throw new Error(`no weights file at ${weights}`);
  // The image shape and class names come from the dataset the configuration names, as in training.
  const test = await loadDataset(runDatasetSpec(config, 'test'));
  const imageShape = test.imageShape;
  const classNames = test.classNames;
  test.dispose();
  const model = buildModel(config, imageShape, classNames.length);
  const file = loadSafetensors(weights);
  try {
    const own = model.stateDict();
    const { missing, unexpected, mismatched } = stateDictMismatches(own, file.tensors);
    if (missing.length || unexpected.length || mismatched.length) {
      const lines = [
        ...(missing.length ? [`  missing from the file: ${missing.join(', ')}`] : []),
        ...(unexpected.length ? [`  not in the model: ${unexpected.join(', ')}`] : []),
        ...mismatched.map((m) => `  mismatched: ${m}`),
      ];
      throw new Error(
        `${weights} does not fit ${config.model} (latent ${Number(config.latent)}, ${imageShape.join('x')} images):\n${lines.join('\n')}\n(the model's flags, e.g. --latent, --hidden, --width, --layout, must be those of the model that saved the file)`,
      );
    }
    model.loadStateDict(file.tensors);
    // Weights first, config last: a folder is a run only once both are there.
    saveSafetensors(join(dir, FILES.model), model.stateDict(), { format: 'pt' });
    writeConfig(dir, config, {
      image_shape: imageShape,
      class_names: classNames,
      parameters: model.numParameters(),
      imported_from: resolve(weights),
      versions: runVersions(),
    });
    return { dir, tensors: Object.keys(own).length, parameters: model.numParameters() };
  } finally {
    disposeAll(file.tensors);
    model.dispose();
  }
}

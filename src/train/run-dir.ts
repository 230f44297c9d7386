/**
 * A run directory: config.json, model.safetensors, optimizer.safetensors (optimizer state,
 * RNG state and the trainer's position), metrics.jsonl (one line per epoch), with early
 * stopping best.safetensors, and while a process writes it train.lock (run-lock.ts).
 *
 * Checkpoints survive a kill at any instant: both files are written to temporary names and
 * fsynced, the previous optimizer file is kept as optimizer.prev.safetensors, then the two are
 * renamed into place. Both carry the same checkpoint id; a reader takes the optimizer file
 * whose id matches the model's, so a kill between the two renames loses nothing. A write that
 * fails (a full disk) removes its temporary files and leaves the last checkpoint as it was.
 *
 * The checkpoint also carries the metrics line of the last finished epoch: the line is
 * appended to metrics.jsonl after the checkpoint, and a kill in between leaves it missing,
 * which a resume restores from the checkpoint (checkpoints written before it lack the line;
 * they still load, and a resume of them only trims extra lines).
 */
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadSafetensors, serializeSafetensors, type Metadata } from '../tensor/safetensors.js';
import { disposeAll } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  appendText,
  parseTempName,
  removeQuietly,
  renameInto,
  tempPathOf,
  writeError,
  writeFileAtomic,
  writeTemp,
} from '../util/fs.js';
import type { RunConfig } from './config.js';
import { pidAlive } from './run-lock.js';

/** The names of the files in a run folder. */
export const FILES = {
  config: 'config.json',
  model: 'model.safetensors',
  optimizer: 'optimizer.safetensors',
  optimizerPrev: 'optimizer.prev.safetensors',
  metrics: 'metrics.jsonl',
  best: 'best.safetensors',
  /** Post-hoc samplers fitted to the training codes (src/inference/samplers/), written by sample and quality. */
  samplerGaussian: 'sampler-gaussian.safetensors',
  samplerGmm: 'sampler-gmm.safetensors',
} as const;

/** Where the trainer stands, saved with every checkpoint. */
export interface TrainerState {
  /** Epochs fully done. */
  epoch: number;
  /** Next batch of the epoch in progress (0 at an epoch boundary). */
  batch: number;
  /** Running sums of the epoch in progress. */
  partial: Record<string, number> & { images: number; seconds: number };
  bestValue: number | null;
  bestEpoch: number | null;
  badEpochs: number;
  finished: boolean;
  stopReason: string | null;
}

export interface Checkpoint {
  model: Record<string, Tensor>;
  optimizer: Record<string, Tensor>;
  rng: Tensor;
  order: Tensor | null;
  state: TrainerState;
  /** The metrics.jsonl line (JSON, no newline) of epoch `state.epoch`, or null (none yet, or an older checkpoint). */
  metricsLine?: string | null;
}

export function writeConfig(dir: string, config: RunConfig, extra: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, FILES.config), JSON.stringify({ ...config, resolved: extra }, null, 2) + '\n');
}

/** A run's config.json: its settings, and under `resolved` what training found (image shape, class names, ...). */
export function readConfig(dir: string): RunConfig & { resolved?: Record<string, unknown> } {
  const p = join(dir, FILES.config);
  if (!existsSync(p)) throw new Error(`${dir} is not a latentlab run (no ${FILES.config})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(p, 'utf8'));
  } catch (e) {
    throw new Error(`${p}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${p}: expected a JSON object of settings`);
  return parsed as RunConfig & { resolved?: Record<string, unknown> };
}

export function saveCheckpoint(dir: string, ck: Checkpoint): void {
  const id = randomUUID();
  const meta: Metadata = { format: 'pt', latentlab_checkpoint: id, epoch: String(ck.state.epoch) };
  const optTensors: Record<string, Tensor> = {
    ...prefixed('optim.', ck.optimizer),
    rng_state: ck.rng,
    ...(ck.order ? { epoch_order: ck.order } : {}),
  };
  const optMeta: Metadata = {
    ...meta,
    trainer_state: JSON.stringify(ck.state),
    ...(ck.metricsLine ? { epoch_metrics: ck.metricsLine } : {}),
  };
  const model = join(dir, FILES.model);
  const opt = join(dir, FILES.optimizer);
  const temps: string[] = [];
  try {
    temps.push(writeTemp(model, serializeSafetensors(ck.model, meta)));
    temps.push(writeTemp(opt, serializeSafetensors(optTensors, optMeta)));
    if (existsSync(opt)) {
      const prev = join(dir, FILES.optimizerPrev);
      const link = tempPathOf(prev);
      temps.push(link);
      try {
        linkSync(opt, link);
      } catch (err) {
        throw writeError(prev, err);
      }
      renameInto(link, prev);
    }
    renameInto(temps[1]!, opt);
    renameInto(temps[0]!, model);
  } finally {
    for (const t of temps) removeQuietly(t);
  }
}

function prefixed(prefix: string, dict: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(dict).map(([k, t]) => [prefix + k, t]));
}

/** Whether the folder holds a checkpoint to resume: weights and optimizer state. */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, FILES.model)) && existsSync(join(dir, FILES.optimizer));
}

/** Loads the newest consistent checkpoint (the tensors are the caller's to dispose). */
export function loadCheckpoint(dir: string): Checkpoint {
  const model = loadSafetensors(join(dir, FILES.model));
  const id = model.metadata.latentlab_checkpoint;
  for (const name of [FILES.optimizer, FILES.optimizerPrev]) {
    const p = join(dir, name);
    if (!existsSync(p)) continue;
    const opt = loadSafetensors(p);
    if (opt.metadata.latentlab_checkpoint !== id) {
      disposeAll(opt.tensors);
      continue;
    }
    const { rng_state, epoch_order, ...rest } = opt.tensors;
    const optimizer = Object.fromEntries(Object.entries(rest).map(([k, t]) => [k.replace(/^optim\./, ''), t]));
    return {
      model: model.tensors,
      optimizer,
      rng: rng_state!,
      order: epoch_order ?? null,
      state: JSON.parse(opt.metadata.trainer_state!) as TrainerState,
      metricsLine: opt.metadata.epoch_metrics ?? null,
    };
  }
  disposeAll(model.tensors);
  throw new Error(
    `${dir}: no optimizer state matches model.safetensors (checkpoint ${id}); the run cannot be resumed exactly`,
  );
}

/** Appends one epoch's metrics line (JSON, no newline) to metrics.jsonl. */
export function appendMetrics(dir: string, line: string): void {
  appendText(join(dir, FILES.metrics), line + '\n');
}

/** The whole lines of metrics.jsonl that parse, as [text, record] (a line cut by a kill is left out). */
function metricsLines(dir: string): [string, Record<string, number>][] {
  const p = join(dir, FILES.metrics);
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .flatMap((l): [string, Record<string, number>][] => {
      try {
        return [[l, JSON.parse(l) as Record<string, number>]];
      } catch {
        return []; // a line cut by a kill
      }
    });
}

/** metrics.jsonl's records, one per epoch (a line cut off by a kill is left out). */
export function readMetrics(dir: string): Record<string, number>[] {
  return metricsLines(dir).map(([, m]) => m);
}

/**
 * Makes metrics.jsonl hold exactly the epochs up to `epoch` (after a resume): lines of later
 * epochs go, and the line of epoch `epoch` comes back from `line` (the checkpoint's) when a kill
 * between the checkpoint and the append lost it. Kept lines keep their bytes. Returns whether
 * a line was restored.
 */
export function syncMetrics(dir: string, epoch: number, line: string | null = null): boolean {
  const keep = metricsLines(dir).filter(([, m]) => m.epoch! <= epoch);
  let restored = false;
  if (line && epoch > 0 && !keep.some(([, m]) => m.epoch === epoch)) {
    const m = JSON.parse(line) as Record<string, number>;
    if (m.epoch === epoch) {
      keep.push([line, m]);
      restored = true;
    }
  }
  writeFileAtomic(join(dir, FILES.metrics), keep.map(([l]) => l + '\n').join(''));
  return restored;
}

/**
 * Removes what killed writers left in the run folder: temporary files (see util/fs.ts's
 * naming) of processes that are gone, or of this one (whose writes are synchronous, so none
 * is in progress). Another live process's temporary files (an `eval` writing its results)
 * are left alone. Returns the names removed.
 */
export function removeLeftovers(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const gone = (pid: number): boolean => pid === process.pid || !pidAlive(pid);
  const removed = readdirSync(dir).filter((name) => {
    const t = parseTempName(name);
    return t !== null && gone(t.pid) && statSync(join(dir, name)).isFile();
  });
  for (const name of removed) rmSync(join(dir, name), { force: true });
  return removed;
}

/** One run in listRuns: its folder, model and dataset, progress, last metrics line. */
export interface RunSummary {
  /** The folder's name. */
  name: string;
  dir: string;
  model: string;
  dataset: string;
  /** Epochs the run was set to train. */
  epochs: number;
  /** The epoch of its last metrics line (0 before the first). */
  epochsDone: number;
  last: Record<string, number> | null;
  /** When config.json was last written. */
  modified: Date;
}

/** The runs under `root` (folders holding a readable config.json), newest first; `onSkip` hears of unreadable ones. */
export function listRuns(root: string, onSkip: (dir: string, why: string) => void = () => undefined): RunSummary[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((name) => join(root, name))
    .filter((dir) => existsSync(join(dir, FILES.config)))
    .flatMap((dir) => {
      let config: RunConfig;
      try {
        config = readConfig(dir);
      } catch (err) {
        onSkip(dir, (err as Error).message);
        return [];
      }
      const metrics = readMetrics(dir);
      return {
        name: dir.split('/').pop()!,
        dir,
        model: config.model,
        dataset: config.dataset,
        epochs: config.epochs,
        epochsDone: metrics.length ? metrics[metrics.length - 1]!.epoch! : 0,
        last: metrics[metrics.length - 1] ?? null,
        modified: statSync(join(dir, FILES.config)).mtime,
      };
    })
    .sort((a, b) => b.modified.getTime() - a.modified.getTime());
}

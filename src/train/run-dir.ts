/**
 * A run directory: config.json, model.safetensors, optimizer.safetensors (optimizer state,
 * RNG state and the trainer's position), metrics.jsonl (one line per epoch) and, with early
 * stopping, best.safetensors.
 *
 * Checkpoints survive a kill at any instant: both files are written to temporary names and
 * fsynced, the previous optimizer file is kept as optimizer.prev.safetensors, then the two are
 * renamed into place. Both carry the same checkpoint id; a reader takes the optimizer file
 * whose id matches the model's, so a kill between the two renames loses nothing.
 */
import {
  appendFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadSafetensors, serializeSafetensors, type Metadata } from '../tensor/safetensors.js';
import { disposeAll } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from '../util/fs.js';
import type { RunConfig } from './config.js';

export const FILES = {
  config: 'config.json',
  model: 'model.safetensors',
  optimizer: 'optimizer.safetensors',
  optimizerPrev: 'optimizer.prev.safetensors',
  metrics: 'metrics.jsonl',
  best: 'best.safetensors',
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
}

export function writeConfig(dir: string, config: RunConfig, extra: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, FILES.config), JSON.stringify({ ...config, resolved: extra }, null, 2) + '\n');
}

export function readConfig(dir: string): RunConfig & { resolved?: Record<string, unknown> } {
  const p = join(dir, FILES.config);
  if (!existsSync(p)) throw new Error(`${dir} is not a latentlab run (no ${FILES.config})`);
  return JSON.parse(readFileSync(p, 'utf8')) as RunConfig & { resolved?: Record<string, unknown> };
}

function tmpName(dir: string, name: string): string {
  return join(dir, `.${name}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
}

export function saveCheckpoint(dir: string, ck: Checkpoint): void {
  const id = randomUUID();
  const meta: Metadata = { format: 'pt', latentlab_checkpoint: id, epoch: String(ck.state.epoch) };
  const optTensors: Record<string, Tensor> = {
    ...prefixed('optim.', ck.optimizer),
    rng_state: ck.rng,
    ...(ck.order ? { epoch_order: ck.order } : {}),
  };
  const modelTmp = tmpName(dir, FILES.model);
  const optTmp = tmpName(dir, FILES.optimizer);
  try {
    writeFileAtomic(modelTmp, serializeSafetensors(ck.model, meta));
    writeFileAtomic(optTmp, serializeSafetensors(optTensors, { ...meta, trainer_state: JSON.stringify(ck.state) }));
    const opt = join(dir, FILES.optimizer);
    if (existsSync(opt)) {
      const link = tmpName(dir, FILES.optimizerPrev);
      linkSync(opt, link);
      renameSync(link, join(dir, FILES.optimizerPrev));
    }
    renameSync(optTmp, opt);
    renameSync(modelTmp, join(dir, FILES.model));
  } finally {
    rmSync(modelTmp, { force: true });
    rmSync(optTmp, { force: true });
  }
}

function prefixed(prefix: string, dict: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(dict).map(([k, t]) => [prefix + k, t]));
}

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
    };
  }
  disposeAll(model.tensors);
  throw new Error(
    `${dir}: no optimizer state matches model.safetensors (checkpoint ${id}); the run cannot be resumed exactly`,
  );
}

/** Appends one epoch's metrics (one JSON object per line). */
export function appendMetrics(dir: string, record: object): void {
  appendFileSync(join(dir, FILES.metrics), JSON.stringify(record) + '\n');
}

export function readMetrics(dir: string): Record<string, number>[] {
  const p = join(dir, FILES.metrics);
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, number>];
      } catch {
        return []; // a line cut by a kill
      }
    });
}

/** Rewrites metrics.jsonl to hold exactly the epochs up to `epoch` (after a resume). */
export function truncateMetrics(dir: string, epoch: number): void {
  const keep = readMetrics(dir).filter((m) => m.epoch! <= epoch);
  writeFileAtomic(join(dir, FILES.metrics), keep.map((m) => JSON.stringify(m) + '\n').join(''));
}

export interface RunSummary {
  name: string;
  dir: string;
  model: string;
  dataset: string;
  epochs: number;
  epochsDone: number;
  last: Record<string, number> | null;
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

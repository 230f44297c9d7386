/**
 * The report's runs. Each is a RunConfig trained into <report>/runs/<name> as `latentlab train`
 * trains it (prepareRun, the trainer, TrainingPictures and the pictures every run gets), or
 * reused when that folder already holds it, finished. A folder holding a run with other
 * settings is an error rather than silently retrained; an unfinished one (a crash, Ctrl-C)
 * resumes from its checkpoint, exactly.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FILES, hasCheckpoint, readConfig, readMetrics } from '../train/run-dir.js';
import { getModel } from '../models/registry.js';
import { flagName, resolveConfig, resolveStoredConfig, runSchema, type RunConfig } from '../train/config.js';
import type { TrainerCallbacks } from '../train/trainer.js';
import { writeFileAtomic } from '../util/fs.js';
import { trainRun } from '../workflow/train-run.js';
import type { TrainSize } from './plan.js';
import type { RunEntry } from './types.js';

export interface RunSpec {
  /** The folder under <report>/runs (may hold a slash: anomaly-mnist/normal-3). */
  name: string;
  title: string;
  config: RunConfig;
}

/** Written into a run folder once its training and pictures are done. */
const MARKER = 'reproduce.json';

/** A run of `size` with these settings (the rest are latentlab's defaults). */
export function runSpec(name: string, title: string, settings: Partial<RunConfig>, size: TrainSize): RunSpec {
  return {
    name,
    title,
    config: resolveConfig({}, { ...settings, epochs: size.epochs, ...(size.images ? { limit: size.images } : {}) }),
  };
}

/** A word for a shell: quoted when it holds anything but plain path characters. */
export function shellWord(s: string): string {
  return /^[\w./,:=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A setting's value as a flag writes it. */
function scalarText(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

/** The `latentlab train` command that trains this run: every setting that differs from the model's defaults. */
export function trainCommandLine(c: RunConfig, dir: string): string {
  const base = resolveConfig({}, { model: c.model });
  const value = (v: unknown): string => (v === null ? 'none' : Array.isArray(v) ? v.join(',') : scalarText(v));
  const flags = Object.keys(runSchema(c.model))
    .filter((k) => k !== 'model' && JSON.stringify(c[k]) !== JSON.stringify(base[k]))
    .map((k) => `${flagName(k)} ${shellWord(value(c[k]))}`);
  // The class watch only looks at samples; without it, no classifier is trained on the way.
  return [
    'latentlab train --model',
    c.model,
    ...flags,
    '--out',
    shellWord(dir),
    ...(getModel(c.model).watchClasses ? ['--no-class-watch'] : []),
  ].join(' ');
}

/** The settings in which a stored run differs from the planned one, as "epochs: 3 there, 10 planned". */
function differences(planned: RunConfig, dir: string): string[] {
  const { resolved: _r, ...raw } = readConfig(dir);
  const stored = resolveStoredConfig(raw, {}, join(dir, 'config.json'));
  return Object.keys(runSchema(planned.model))
    .filter((k) => JSON.stringify(stored[k] ?? null) !== JSON.stringify(planned[k]))
    .map((k) => `${k}: ${JSON.stringify(stored[k])} there, ${JSON.stringify(planned[k])} planned`);
}

export interface EnsureOptions {
  callbacks?: TrainerCallbacks;
  /** Aborting checkpoints the run in training and stops; the next reproduce resumes it. */
  signal?: AbortSignal;
}

/** Trains (or resumes, or reuses) the run in `root`/runs/<name>; returns what the report says of it. */
export async function ensureRun(spec: RunSpec, root: string, o: EnsureOptions = {}): Promise<RunEntry> {
  const dir = join(root, 'runs', spec.name);
  const command = trainCommandLine(spec.config, dir);
  const started = existsSync(join(dir, FILES.config));
  if (started) {
    const diff = differences(spec.config, dir);
    if (diff.length)
      throw new Error(`${dir} holds a run with other settings (${diff.join('; ')}): remove it, or give another --out`);
  }
  const reused = started && existsSync(join(dir, MARKER));
  const resumable = started && hasCheckpoint(dir);
  // Killed before its first checkpoint: nothing to resume, so it starts again.
  if (started && !resumable) for (const f of [FILES.config, FILES.metrics]) rmSync(join(dir, f), { force: true });
  if (!reused) {
    await train(spec.config, dir, resumable, o);
    writeFileAtomic(join(dir, MARKER), JSON.stringify({ command, finished: new Date().toISOString() }, null, 2) + '\n');
  }
  const metrics = readMetrics(dir);
  const resolved = readConfig(dir).resolved ?? {};
  return {
    name: spec.name,
    dir: `runs/${spec.name}`,
    title: spec.title,
    model: spec.config.model,
    dataset: spec.config.dataset,
    epochs: metrics.at(-1)?.epoch ?? 0,
    train_images: Number(resolved.train_images ?? 0),
    train_seconds: Math.round(metrics.reduce((s, m) => s + (m.sec ?? 0), 0) * 10) / 10,
    reused,
    command,
  };
}

/** Trains like `latentlab train` (workflow/train-run.ts): a progress frame per epoch, then the run's pictures. */
async function train(c: RunConfig, dir: string, resume: boolean, o: EnsureOptions): Promise<void> {
  const result = await trainRun(c, dir, {
    resume,
    ...(o.callbacks ? { callbacks: o.callbacks } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  if (result.interrupted)
    throw new Error(
      `training of ${dir} stopped at epoch ${result.position.epoch} (checkpoint saved); run the same command again to resume it`,
    );
}

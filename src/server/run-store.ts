/**
 * The runs the server shows: names checked so that no request can leave the runs folder, and
 * opened runs cached while their checkpoint is unchanged. A run still training is reopened
 * when its model.safetensors is replaced (checkpoints are renamed into place, so a reader
 * never sees half a file).
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openRun, type OpenRun } from '../train/open-run.js';
import { FILES, listRuns, readConfig, readMetrics, type RunSummary } from '../train/run-dir.js';
import { badRequest, notFound } from './http-error.js';

/** One path segment of letters, digits, '.', '_' and '-', not starting with a dot: no '..', no '/', no hidden files. */
const RUN_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function checkRunName(name: unknown): string {
  if (typeof name !== 'string' || !RUN_NAME.test(name)) {
    throw badRequest(`invalid run name ${JSON.stringify(name)}: a run is named by one folder name inside the runs folder (letters, digits, '.', '_', '-'), never a path`);
  }
  return name;
}

interface Cached {
  run: OpenRun;
  stamp: number;
  extras: Map<string, unknown>;
}

export class RunStore {
  readonly root: string;
  readonly #open = new Map<string, Cached>();

  constructor(
    root: string,
    readonly maxOpen = 4,
  ) {
    this.root = resolve(root);
  }

  list(): RunSummary[] {
    return listRuns(this.root);
  }

  /** The folder of run `name`, which must exist and hold a config.json. */
  dir(name: unknown): string {
    const dir = join(this.root, checkRunName(name));
    if (!existsSync(join(dir, FILES.config))) throw notFound(`no run named '${name}' in ${this.root}`);
    return dir;
  }

  /** config.json and metrics.jsonl of a run, without loading its model. */
  describe(name: string): { config: ReturnType<typeof readConfig>; metrics: Record<string, number>[] } {
    const dir = this.dir(name);
    return { config: readConfig(dir), metrics: readMetrics(dir) };
  }

  /** The run with its model loaded, reopened when its checkpoint changed. */
  async open(name: string): Promise<OpenRun> {
    return (await this.#entry(name)).run;
  }

  /**
   * A value derived from the run's current checkpoint (the latent map, a sample grid),
   * computed once per checkpoint.
   */
  async derived<T>(name: string, key: string, make: (run: OpenRun) => Promise<T> | T): Promise<T> {
    const entry = await this.#entry(name);
    if (!entry.extras.has(key)) entry.extras.set(key, await make(entry.run));
    return entry.extras.get(key) as T;
  }

  async #entry(name: string): Promise<Cached> {
    const dir = this.dir(name);
    const weights = join(dir, FILES.model);
    if (!existsSync(weights)) throw notFound(`run '${name}' has no checkpoint yet (its first epoch has not finished)`);
    const stamp = statSync(weights).mtimeMs;
    const cached = this.#open.get(name);
    if (cached && cached.stamp === stamp) {
      this.#open.delete(name); // re-insert: the map's order is the least recently used first
      this.#open.set(name, cached);
      return cached;
    }
    if (cached) this.#close(name);
    const entry: Cached = { run: await openRun(dir), stamp, extras: new Map() };
    this.#open.set(name, entry);
    while (this.#open.size > this.maxOpen) this.#close(this.#open.keys().next().value!);
    return entry;
  }

  #close(name: string): void {
    const entry = this.#open.get(name);
    this.#open.delete(name);
    if (!entry) return;
    entry.run.dispose();
    for (const v of entry.extras.values()) (v as { dispose?: () => void })?.dispose?.();
  }

  close(): void {
    for (const name of [...this.#open.keys()]) this.#close(name);
  }
}

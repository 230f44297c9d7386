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
import { badRequest, notFound } from '../util/http-error.js';

/** One path segment of letters, digits, '.', '_' and '-', not starting with a dot: no '..', no '/', no hidden files. */
export const RUN_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function checkRunName(name: unknown): string {
  if (typeof name !== 'string' || !RUN_NAME.test(name)) {
    throw badRequest(
      `invalid run name ${JSON.stringify(name)}: a run is named by one folder name inside the runs folder (letters, digits, '.', '_', '-'), never a path`,
    );
  }
  return name;
}

interface Cached {
  run: OpenRun;
  stamp: number;
  /** Values derived from this checkpoint, as promises: concurrent requests compute each once. */
  extras: Map<string, Promise<unknown>>;
  /** Requests using the run now; a replaced or evicted entry is freed when the last one ends. */
  users: number;
  retired: boolean;
}

export class RunStore {
  readonly root: string;
  readonly #open = new Map<string, Cached>();
  readonly #opening = new Map<string, Promise<Cached>>();

  constructor(
    root: string,
    readonly maxOpen = 4,
  ) {
    this.root = resolve(root);
  }

  /** The runs (folders with a config.json) whose names the server can address, newest first. */
  list(): RunSummary[] {
    return listRuns(this.root).filter((r) => RUN_NAME.test(r.name));
  }

  /** The folder of run `name`, which must exist and hold a config.json. */
  dir(name: unknown): string {
    const dir = join(this.root, checkRunName(name));
    if (!existsSync(join(dir, FILES.config))) throw notFound(`no run named '${String(name)}' in ${this.root}`);
    return dir;
  }

  /** config.json and metrics.jsonl of a run, without loading its model. */
  describe(name: string): { config: ReturnType<typeof readConfig>; metrics: Record<string, number>[] } {
    const dir = this.dir(name);
    return { config: readConfig(dir), metrics: readMetrics(dir) };
  }

  /** Runs `fn` on the run with its model loaded (reopened when its checkpoint changed); the run stays open until `fn` ends. */
  use<T>(name: string, fn: (run: OpenRun) => Promise<T> | T): Promise<T> {
    return this.#use(name, (entry) => fn(entry.run));
  }

  /**
   * A value derived from the run's current checkpoint (the latent map, a sample grid),
   * computed once per checkpoint.
   */
  derived<T>(name: string, key: string, make: (run: OpenRun) => Promise<T> | T): Promise<T> {
    // The entry in hand, not a second lookup: another request may have replaced or evicted it meanwhile.
    return this.#use(name, async (entry) => {
      if (!entry.extras.has(key))
        entry.extras.set(
          key,
          Promise.resolve().then(() => make(entry.run)),
        );
      try {
        return (await entry.extras.get(key)) as T;
      } catch (err) {
        entry.extras.delete(key); // not cached: the next request tries again
        throw err;
      }
    });
  }

  async #use<T>(name: string, fn: (entry: Cached) => Promise<T> | T): Promise<T> {
    const entry = await this.#entry(name);
    entry.users++;
    try {
      return await fn(entry);
    } finally {
      entry.users--;
      if (entry.retired && entry.users === 0) this.#free(entry);
    }
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
    const key = `${name}@${stamp}`;
    let opening = this.#opening.get(key);
    if (!opening) {
      opening = openRun(dir).then((run) => {
        const entry: Cached = { run, stamp, extras: new Map(), users: 0, retired: false };
        this.#retire(name);
        this.#open.set(name, entry);
        while (this.#open.size > this.maxOpen) this.#retire(this.#open.keys().next().value!);
        return entry;
      });
      this.#opening.set(key, opening);
      void opening.finally(() => this.#opening.delete(key)).catch(() => undefined);
    }
    return opening;
  }

  /** Takes a run out of the cache; it is freed now, or when its last request ends. */
  #retire(name: string): void {
    const entry = this.#open.get(name);
    this.#open.delete(name);
    if (!entry) return;
    entry.retired = true;
    if (entry.users === 0) this.#free(entry);
  }

  #free(entry: Cached): void {
    entry.run.dispose();
  }

  close(): void {
    for (const name of [...this.#open.keys()]) this.#retire(name);
  }
}

/**
 * Training runs started from the dashboard. Each is a `latentlab train --live --json` child
 * process, so the server's own event loop stays free for the explorer while the engine trains
 * on the other threads. Runs started elsewhere (`train --serve`, or `train --live` in a
 * terminal) are seen through their live.json and stopped by SIGINT, as Ctrl-C would stop them:
 * the trainer checkpoints where it stands.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isTrainingAlive, readLive } from '../train/live.js';
import { FILES } from '../train/run-dir.js';
import { cliArgs } from '../util/cli-entry.js';
import { badRequest, conflict } from './http-error.js';
import type { RunStore } from './run-store.js';
import type { TrainRequest } from './wire.js';

export type { TrainRequest };

export interface Job {
  run: string;
  pid: number;
  started: string;
  args: string[];
  exitCode: number | null;
  /** The child's last lines on stderr, for a failed run's message. */
  stderr: string[];
}

export class JobManager {
  readonly #children = new Map<string, { job: Job; child: ChildProcess }>();

  constructor(readonly store: RunStore) {}

  /** The flags of a training request; the trainer's own checks still apply to the values. */
  static trainArgs(r: TrainRequest, dir: string): string[] {
    const args = ['train', '--model', r.model, '--dataset', r.dataset, '--latent', String(r.latent), '--epochs', String(r.epochs), '--out', dir, '--json', '--live'];
    if (r.beta !== undefined) args.push('--beta', String(r.beta));
    if (r.limit !== undefined) args.push('--limit', String(r.limit));
    return args;
  }

  start(r: TrainRequest): Job {
    const dir = join(this.store.root, r.name);
    if (existsSync(join(dir, FILES.config)) || this.#children.has(r.name)) throw conflict(`a run named '${r.name}' already exists: choose another name`);
    const args = JobManager.trainArgs(r, dir);
    const child = spawn(process.execPath, cliArgs(args), { stdio: ['ignore', 'ignore', 'pipe'] });
    const job: Job = { run: r.name, pid: child.pid ?? -1, started: new Date().toISOString(), args, exitCode: null, stderr: [] };
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      job.stderr.push(...s.split('\n').filter((l) => l.trim()));
      job.stderr.splice(0, Math.max(0, job.stderr.length - 20));
    });
    child.on('exit', (code, signal) => {
      job.exitCode = code ?? (signal ? 128 : -1);
    });
    this.#children.set(r.name, { job, child });
    return job;
  }

  /** The job of a run started here, if any. */
  job(run: string): Job | null {
    return this.#children.get(run)?.job ?? null;
  }

  jobs(): Job[] {
    return [...this.#children.values()].map((c) => c.job);
  }

  /** Asks the run's training to checkpoint and stop; an error if nothing is training it. */
  stop(run: string): { pid: number } {
    const mine = this.#children.get(run);
    if (mine && mine.job.exitCode === null) {
      mine.child.kill('SIGINT');
      return { pid: mine.job.pid };
    }
    const live = readLive(this.store.dir(run));
    if (!isTrainingAlive(live)) throw badRequest(`run '${run}' is not training`);
    process.kill(live!.pid, 'SIGINT');
    return { pid: live!.pid };
  }

  /** Stops every child (with a checkpoint) and waits for them, for a clean shutdown. */
  async close(): Promise<void> {
    const waits = [...this.#children.values()]
      .filter((c) => c.job.exitCode === null)
      .map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.kill('SIGINT');
          }),
      );
    await Promise.all(waits);
  }
}

/**
 * Training runs started from the dashboard. Each is a `latentlab train --live --json` child
 * process, so the server's own event loop stays free for the explorer while the engine trains
 * on the other threads. Runs started elsewhere (`train --serve`, or `train --live` in a
 * terminal) are seen through their live.json and stopped by SIGINT, as Ctrl-C would stop them:
 * the trainer checkpoints where it stands.
 */
import { flagName } from '../util/options.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isTrainingAlive, readLive } from '../train/live.js';
import { FILES } from '../train/run-dir.js';
import { cliArgs } from '../util/cli-entry.js';
import { badRequest, conflict } from '../util/http-error.js';
import type { RunStore } from './run-store.js';
import type { TrainRequest } from '../wire/types.js';

export type { TrainRequest };

export interface Job {
  run: string;
  pid: number;
  started: string;
  args: string[];
  exitCode: number | null;
  /** Stop was asked for (a second SIGINT would make the trainer quit without its checkpoint). */
  stopping: boolean;
  /** The child's last lines on stderr, for a failed run's message. */
  stderr: string[];
}

/** Training runs the server trains at once: each takes every core. */
export const MAX_JOBS = 2;

/** Exit code of a run stopped by SIGINT after checkpointing (as Ctrl-C in a terminal). */
export const STOPPED_EXIT = 130;

export class JobManager {
  readonly #children = new Map<string, { job: Job; child: ChildProcess }>();
  /** Runs trained elsewhere that this server already asked to stop, by pid. */
  readonly #signalled = new Set<number>();

  constructor(readonly store: RunStore) {}

  /** The flags of a training request; the trainer's own checks still apply to the values. */
  static trainArgs(r: TrainRequest, dir: string): string[] {
    const args = ['train', '--out', dir, '--json', '--live'];
    for (const [k, v] of Object.entries(r)) if (k !== 'name' && v !== undefined) args.push(flagName(k), String(v));
    return args;
  }

  start(r: TrainRequest): Job {
    const dir = join(this.store.root, r.name);
    if (existsSync(join(dir, FILES.config)) || this.#children.has(r.name))
      throw conflict(`a run named '${r.name}' already exists: choose another name`);
    const running = this.running().length;
    if (running >= MAX_JOBS)
      throw conflict(
        `${running} runs are training already (at most ${MAX_JOBS} at once, each uses every core): stop one or wait`,
      );
    const args = JobManager.trainArgs(r, dir);
    // Its own process group: Ctrl-C on the server's terminal must not reach it, or the SIGINT
    // that close() sends next would be its second and it would quit without a checkpoint.
    const child = spawn(process.execPath, cliArgs(args), { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    const job: Job = {
      run: r.name,
      pid: child.pid ?? -1,
      started: new Date().toISOString(),
      args,
      exitCode: null,
      stopping: false,
      stderr: [],
    };
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      job.stderr.push(...s.split('\n').filter((l) => l.trim()));
      job.stderr.splice(0, Math.max(0, job.stderr.length - 20));
    });
    child.on('error', (err) => {
      job.exitCode ??= -1;
      job.stderr.push(`could not run the training process: ${err.message}`);
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

  /** Whether the run trains now: its job here, or a process elsewhere that its live.json names (read now unless given). */
  isTraining(run: string, dir: string, live = readLive(dir)): boolean {
    const job = this.job(run);
    return job ? job.exitCode === null : isTrainingAlive(live, dir);
  }

  /** The jobs whose process has not exited. */
  running(): Job[] {
    return this.jobs().filter((j) => j.exitCode === null);
  }

  /** SIGINT once: a second one would make the trainer quit without its checkpoint. */
  static #interrupt(job: Job, child: ChildProcess): void {
    if (!job.stopping) child.kill('SIGINT');
    job.stopping = true;
  }

  /** Asks the run's training to checkpoint and stop (once: asking again changes nothing); an error if nothing is training it. */
  stop(run: string): { pid: number } {
    const mine = this.#children.get(run);
    if (mine && mine.job.exitCode === null) {
      JobManager.#interrupt(mine.job, mine.child);
      return { pid: mine.job.pid };
    }
    const dir = this.store.dir(run);
    const live = readLive(dir);
    if (!isTrainingAlive(live, dir)) throw badRequest(`run '${run}' is not training`);
    if (!this.#signalled.has(live!.pid)) process.kill(live!.pid, 'SIGINT');
    this.#signalled.add(live!.pid);
    return { pid: live!.pid };
  }

  /** Stops every child (each checkpoints first) and waits for them, for a clean shutdown; gives how many there were. */
  async close(): Promise<number> {
    const running = [...this.#children.values()].filter((c) => c.job.exitCode === null);
    await Promise.all(
      running.map(
        ({ job, child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            JobManager.#interrupt(job, child);
          }),
      ),
    );
    return running.length;
  }
}

/**
 * `train --live` and `train --serve`: the training process reports where it stands in
 * live.json (for a dashboard in another process), and with --serve starts that dashboard
 * (`latentlab serve` on the run's parent folder) as a child process and prints its address.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { throttled, writeLive, type LiveState } from '../train/live.js';
import { cliArgs } from '../util/cli-entry.js';

export interface LiveReporter {
  epoch(epoch: number, batches: number): void;
  batch(epoch: number, batch: number, fields: Record<string, number>): void;
  start(message: string): void;
  end(state: Exclude<LiveState, 'starting' | 'training'>, message?: string): void;
}

export function liveReporter(dir: string, epochs: number): LiveReporter {
  let batches = 0;
  const write = throttled(
    500,
    (s: { state: LiveState; epoch: number; batch: number; fields: Record<string, number>; message: string | null }) =>
      writeLive(dir, { ...s, epochs, batches }),
  );
  let last = { epoch: 0, batch: 0, fields: {} as Record<string, number> };
  return {
    start(message) {
      write({ state: 'starting', ...last, message }, true);
    },
    epoch(epoch, n) {
      batches = n;
      last = { epoch, batch: 0, fields: {} };
      write({ state: 'training', ...last, message: null }, true);
    },
    batch(epoch, batch, fields) {
      last = { epoch, batch, fields };
      write({ state: 'training', ...last, message: null });
    },
    end(state, message) {
      write({ state, ...last, message: message ?? null }, true);
    },
  };
}

export interface Dashboard {
  url: string;
  /** Resolves when the dashboard's process ends. */
  done: Promise<void>;
  child: ChildProcess;
}

/** Starts `latentlab serve` on the folder holding `runDir`, and resolves once it listens. */
export function startDashboard(runDir: string, port: number): Promise<Dashboard> {
  // Its own process group, so that Ctrl-C stops the training (which checkpoints) and leaves the
  // dashboard up; the IPC channel ends it when this process ends, however that happens.
  const child = spawn(
    process.execPath,
    cliArgs(['serve', '--runs', dirname(runDir), '--port', String(port), '--json']),
    { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], detached: true },
  );
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      try {
        // The address may carry the dashboard's token (?token=...): the page's route goes after it.
        const url = new URL((JSON.parse(line) as { url: string }).url);
        url.hash = `/train/${encodeURIComponent(basename(runDir))}`;
        resolve({ url: url.href, done, child });
      } catch {
        reject(new Error(`the dashboard did not start: ${line}`));
      }
    });
    child.once('exit', (code) =>
      reject(
        new Error(
          `the dashboard exited with code ${code} before listening (is port ${port} in use? choose another with --port)`,
        ),
      ),
    );
  });
}

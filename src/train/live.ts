/**
 * live.json: where a training process stands, for a dashboard in another process. Written
 * (atomically, at most a few times a second) by `train --live`, read by the web server, which
 * can then show the progress of a run it did not start and stop it (SIGINT, which makes the
 * trainer checkpoint where it stands).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import type { LiveStatus } from './live-status.js';

export const LIVE_FILE = 'live.json';

export type { LiveState, LiveStatus } from './live-status.js';

export function writeLive(dir: string, status: Omit<LiveStatus, 'pid' | 'updated'>): void {
  const full: LiveStatus = { ...status, pid: process.pid, updated: new Date().toISOString() };
  writeFileAtomic(join(dir, LIVE_FILE), JSON.stringify(full) + '\n', { fsync: false });
}

export function readLive(dir: string): LiveStatus | null {
  const p = join(dir, LIVE_FILE);
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as LiveStatus;
  } catch {
    return null;
  }
}

/**
 * Whether the process that wrote `s` is still a latentlab process training: its state says
 * so and the pid belongs to a node process (a pid left by a killed run may have been reused).
 */
export function isTrainingAlive(s: LiveStatus | null): boolean {
  if (!s || (s.state !== 'training' && s.state !== 'starting')) return false;
  try {
    process.kill(s.pid, 0);
  } catch {
    return false;
  }
  try {
    const cmd = readFileSync(`/proc/${s.pid}/cmdline`, 'utf8');
    return /node|latentlab/.test(cmd);
  } catch {
    return true; // no /proc (not Linux): trust the signal check
  }
}

/** Calls `write` at most every `ms` milliseconds, and always for `force`. */
export function throttled<T>(ms: number, write: (v: T) => void): (v: T, force?: boolean) => void {
  let last = 0;
  return (v, force = false) => {
    const now = performance.now();
    if (!force && now - last < ms) return;
    last = now;
    write(v);
  };
}

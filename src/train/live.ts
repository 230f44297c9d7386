/**
 * live.json: where a training process stands, for a dashboard in another process. Written
 * (atomically, at most a few times a second) by `train --live`, read by the web server, which
 * can then show the progress of a run it did not start and stop it (SIGINT, which makes the
 * trainer checkpoint where it stands).
 */
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import type { LiveStatus } from '../wire/live-status.js';

export const LIVE_FILE = 'live.json';

export type { LiveState, LiveStatus } from '../wire/live-status.js';

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
 * Whether the process that wrote `s` (for the run in `dir`) is still training it: its state
 * says so, and the pid is a live process whose command line is a `train` of that folder. A
 * stale live.json (a run killed outright) may name a pid that another process has since
 * taken; that one must never be signalled.
 */
export function isTrainingAlive(s: LiveStatus | null, dir: string): boolean {
  if (!s || (s.state !== 'training' && s.state !== 'starting')) return false;
  const pid = s.pid;
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || pid === process.ppid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (!existsSync('/proc/self/cmdline')) return true; // no /proc (not Linux): the signal check is all there is
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const cwd = readlinkSync(`/proc/${pid}/cwd`); // its --out may be relative to where it runs
    return args.includes('train') && args.some((a) => a !== '' && resolve(cwd, a) === resolve(dir));
  } catch {
    return false;
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

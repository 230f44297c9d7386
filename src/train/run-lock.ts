/**
 * One writer per run folder. Two processes training one run (a `train --resume` started while
 * the first still trains, a web job and a terminal, an `import` into a folder in training)
 * would interleave their checkpoints and metrics lines, and neither result would be a run. So
 * whatever writes a run first takes its lock: train.lock in the folder, created with the 'wx'
 * flag (it exists or it does not: two takers cannot both create it), holding JSON with the
 * holder's pid, its start time (field 22 of /proc/<pid>/stat on Linux), its host and since when.
 * A second writer is refused with a message naming the holder. A lock whose holder is gone (a
 * SIGKILL leaves its lock behind) is taken over with a note: on this host the pid is dead, or
 * alive but started at another time (the pid was reused). A lock from another host (a shared
 * folder) cannot be checked from here, so it is refused unless `breakLock`. Readers (sample,
 * eval, serve, export) take no lock and are never blocked. The lock goes when its holder
 * releases it, and at the latest when the process exits (process.exit included).
 */
import {
  linkSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
  existsSync,
  mkdirSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeError } from '../util/fs.js';

/** The lock file's name in a run folder. */
export const LOCK_FILE = 'train.lock';

/** What a lock file holds. */
export interface LockHolder {
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22), or null where there is no /proc. */
  start_time: number | null;
  host: string;
  /** When the lock was taken (ISO time). */
  since: string;
  /** What holds it: "train", "import", ... */
  command: string;
}

/** A run folder's lock, held by this process until release(). */
export interface RunLock {
  /** The locked run folder. */
  readonly dir: string;
  /** What the lock file says: this process. */
  readonly holder: LockHolder;
  /** Removes the lock file (if it is still this lock's); idempotent. */
  release(): void;
}

export interface LockOptions {
  /** What takes the lock, for the holder's description ("train", "import"). */
  command?: string;
  /** Take a lock held by a process on another host. */
  breakLock?: boolean;
  /** Hears the notes: a stale lock taken over. */
  onNote?: (text: string) => void;
}

/** A run folder another process writes; the message names the holder. */
export class RunLockedError extends Error {
  constructor(
    message: string,
    readonly holder: LockHolder | null,
  ) {
    super(message);
    this.name = 'RunLockedError';
  }
}

/** A process's start time (clock ticks since boot), or null where /proc does not tell (not Linux, gone). */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command name) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null; // a zombie has ended
    const start = Number(fields[22 - 3]);
    return Number.isFinite(start) ? start : null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists (and has not ended as a zombie). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // It answers signals. Only a zombie state read from /proc says it has ended: a /proc that
  // hides other users' processes (hidepid) must not make a live holder look gone.
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

/** The locks this process holds: path to the text written there. */
const held = new Map<string, string>();
let exitHook = false;

function describe(h: LockHolder): string {
  return `pid ${h.pid} on host ${h.host}${h.host === hostname() ? ' (this one)' : ''} (${h.command} since ${h.since})`;
}

/** Why a lock on this host is stale, or null when its holder is alive. */
function staleness(h: LockHolder): string | null {
  if (!Number.isInteger(h.pid) || h.pid <= 0) return 'it names no process';
  if (!pidAlive(h.pid)) return `its holder, ${describe(h)}, is gone`;
  const now = processStartTime(h.pid);
  if (now !== null && typeof h.start_time === 'number' && now !== h.start_time)
    return `pid ${h.pid} now belongs to another process (started at tick ${now}, the lock's at ${h.start_time})`;
  return null;
}

function readHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as LockHolder;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

/** A file's text, or '' when it cannot be read. */
function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Removes the lock file if it still holds `text` (moved aside first, so that a new lock is never removed by mistake). */
function removeIf(path: string, text: string): void {
  const aside = `${path}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // gone already
  }
  if (readText(aside) !== text) {
    try {
      linkSync(aside, path); // another process's lock, just taken: put it back (unless a third took the name)
    } catch {
      /* nothing more to do */
    }
  }
  rmSync(aside, { force: true });
}

/** Takes the lock of the run folder `dir` (created if missing), or throws a RunLockedError naming its holder. */
export function acquireRunLock(dir: string, o: LockOptions = {}): RunLock {
  const made = !existsSync(dir);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = {
    pid: process.pid,
    start_time: processStartTime(process.pid),
    host: hostname(),
    since: new Date().toISOString(),
    command: o.command ?? 'train',
  };
  const text = JSON.stringify(me) + '\n';
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      writeFileSync(path, text, { flag: 'wx' });
      return track(dir, path, text, me, made);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError(path, err);
    }
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) continue; // released meanwhile: try again
    const seen = readText(path);
    const h = readHolder(seen);
    let why: string;
    if (!h) {
      // Created but not yet written by its taker, or left empty by a killed one.
      if (Date.now() - st.mtimeMs < 2000) {
        sleepMs(100);
        continue;
      }
      why = 'it is unreadable (its writer was killed while taking it)';
    } else if (h.host !== me.host) {
      if (!o.breakLock)
        throw new RunLockedError(
          `${dir} is locked by ${describe(h)}: another machine may be writing it. If nothing is, ` +
            (me.command === 'train' ? 'take the lock with --break-lock' : `remove ${path}`),
          h,
        );
      why = `--break-lock given: taking the lock of ${describe(h)}`;
    } else {
      const stale = staleness(h);
      if (stale === null)
        throw new RunLockedError(
          `${dir} is being written by another process: ${describe(h)}; wait for it to end or stop it (one writer per run)`,
          h,
        );
      why = stale;
    }
    o.onNote?.(`taking over the lock of ${dir}: ${why}`);
    removeIf(path, seen);
  }
  throw new RunLockedError(`${dir}: could not take its lock (${path}) after several tries`, readHolder(readText(path)));
}

function track(dir: string, path: string, text: string, holder: LockHolder, made: boolean): RunLock {
  held.set(path, text);
  if (!exitHook) {
    exitHook = true;
    // Whatever ends the process (process.exit included; not SIGKILL), its locks go with it.
    process.on('exit', () => {
      for (const [p, t] of held) if (readText(p) === t) rmSync(p, { force: true });
    });
  }
  let released = false;
  return {
    dir,
    holder,
    release() {
      if (released) return;
      released = true;
      held.delete(path);
      if (readText(path) === text) rmSync(path, { force: true });
      if (made)
        try {
          rmdirSync(dir); // a folder made for the lock and left empty (the run failed before writing anything)
        } catch {
          /* not empty: a run */
        }
    },
  };
}

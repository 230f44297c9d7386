/**
 * File helpers: every file latentlab writes goes to a temporary name first, then is renamed.
 * A write that fails (a full disk, a read-only folder, no permission) removes its temporary
 * file, leaves the old file as it was, and throws a WriteError naming the file and the reason.
 */
import { appendFileSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/** Errno codes of failed writes, in words (as strerror gives them), for messages. */
const ERRNO_WORDS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  EMFILE: 'too many open files',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ENAMETOOLONG: 'file name too long',
};

/** A write that failed: `path` is the file that was to be written (never its temporary name), `code` the errno code. */
export class WriteError extends Error {
  readonly code: string | undefined;
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const words = code ? ERRNO_WORDS[code] : undefined;
    const why = words ? `${words} (${code})` : cause instanceof Error ? cause.message : String(cause);
    super(`cannot write ${path}: ${why}`, { cause });
    this.name = 'WriteError';
    this.code = code;
  }
}

/** `err` as a WriteError about `path` (unchanged when it already is one). */
export function writeError(path: string, err: unknown): WriteError {
  return err instanceof WriteError ? err : new WriteError(path, err);
}

/**
 * TEST HOOK, for tests only: LATENTLAB_FAIL_WRITE='<substring>:<CODE>' (e.g. 'model.safetensors:ENOSPC')
 * makes every write through this module whose target path contains <substring> fail with an
 * error of code <CODE>, after its temporary file was created, as a full disk or a read-only
 * folder would. Tests run as root, whom file permissions do not stop, so they inject failures
 * this way. Unset (always, outside tests), it does nothing.
 */
function injectedFailure(path: string): void {
  const spec = process.env.LATENTLAB_FAIL_WRITE;
  if (!spec) return;
  const at = spec.lastIndexOf(':');
  if (at <= 0) return;
  const code = spec.slice(at + 1);
  if (path.includes(spec.slice(0, at)))
    throw Object.assign(new Error(`${code} (injected by LATENTLAB_FAIL_WRITE)`), { code });
}

const TEMP_NAME = /^\.(.+)\.tmp-(\d+)-[a-z0-9]*$/;

/** The temporary name a write of `path` goes to first: `.<name>.tmp-<pid>-<random>` beside it. */
export function tempPathOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
}

/** For a file name made by tempPathOf: the name it stands for and the pid of the process that wrote it; otherwise null. */
export function parseTempName(name: string): { target: string; pid: number } | null {
  const m = TEMP_NAME.exec(name);
  return m ? { target: m[1]!, pid: Number(m[2]) } : null;
}

/**
 * Writes `data` to a temporary file beside `path` (made by tempPathOf), flushed to disk unless
 * `fsync: false`, and returns its name; the caller renames it into place. On failure the
 * temporary file is removed and a WriteError naming `path` is thrown.
 */
export function writeTemp(
  path: string,
  data: string | Uint8Array | readonly Uint8Array[],
  o: { fsync?: boolean } = {},
): string {
  const tmp = tempPathOf(path);
  let fd: number | null = null;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(tmp, 'w');
    injectedFailure(path);
    const parts = typeof data === 'string' ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
    for (const part of parts) {
      let off = 0;
      while (off < part.length) off += writeSync(fd, part, off, part.length - off);
    }
    if (o.fsync !== false) fsyncSync(fd);
    const open = fd;
    fd = null;
    closeSync(open);
    return tmp;
  } catch (err) {
    if (fd !== null)
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    removeQuietly(tmp);
    throw writeError(path, err);
  }
}

/** Removes a temporary file if it can (a failure to remove it must not hide the error that made it stay). */
export function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    /* the error being thrown says more */
  }
}

/** Renames the temporary file `tmp` to `path`; on failure removes it and throws a WriteError naming `path`. */
export function renameInto(tmp: string, path: string): void {
  try {
    renameSync(tmp, path);
  } catch (err) {
    removeQuietly(tmp);
    throw writeError(path, err);
  }
}

/**
 * Writes `data` to `path` atomically: a reader sees the old file or the whole new one, never
 * a part, even if the process is killed midway (write to a temporary file, fsync, rename).
 * `fsync: false` skips the flush to disk, for status files rewritten several times a second
 * whose loss in a power cut does not matter (the rename still keeps readers from half a file).
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array | readonly Uint8Array[],
  o: { fsync?: boolean } = {},
): void {
  renameInto(writeTemp(path, data, o), path);
}

/** Appends `text` to `path` (a log that grows a line at a time); a failure is a WriteError naming `path`. */
export function appendText(path: string, text: string): void {
  try {
    injectedFailure(path);
    appendFileSync(path, text);
  } catch (err) {
    throw writeError(path, err);
  }
}

/** Writes several files so that a failure leaves none of them new: each to a temporary name first, all renamed only once all are written. */
export function writeFilesTogether(files: [string, string | Uint8Array][]): void {
  const tmp: string[] = [];
  try {
    for (const [p, data] of files) tmp.push(writeTemp(p, data));
    files.forEach(([p], i) => renameInto(tmp[i]!, p));
  } finally {
    for (const t of tmp) removeQuietly(t);
  }
}

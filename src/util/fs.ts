/** File helpers: every file latentlab writes goes to a temporary name first, then is renamed. */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

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
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const fd = openSync(tmp, 'w');
  try {
    const parts = typeof data === 'string' ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
    for (const part of parts) {
      let off = 0;
      while (off < part.length) off += writeSync(fd, part, off, part.length - off);
    }
    if (o.fsync !== false) fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Writes several files so that a failure leaves none of them new: each to a temporary name first, all renamed only once all are written. */
export function writeFilesTogether(files: [string, string | Uint8Array][]): void {
  const tmp = files.map(([p]) => join(dirname(p), `.${basename(p)}.together-${process.pid}`));
  try {
    files.forEach(([, data], i) => writeFileAtomic(tmp[i]!, data));
    files.forEach(([p], i) => renameSync(tmp[i]!, p));
  } finally {
    for (const t of tmp) rmSync(t, { force: true });
  }
}

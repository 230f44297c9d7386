/**
 * `latentlab data fetch`: downloads a built-in dataset's four files into the cache. All four
 * go to temporary names first; each is checked against the SHA-256 of its decompressed
 * content; only when all four match are they renamed into place. A failed or corrupt
 * download leaves nothing in the cache.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { BUILTIN, cacheDir, findIdxFile, type BuiltinFile } from './builtin.js';

/** Where `fetchDataset` downloads from and to. */
export interface FetchOptions {
  /** Base URL the files are under (default: the dataset's official mirror). */
  baseUrl?: string;
  /** Folder the dataset goes into (default: <cache>/<name>). */
  dir?: string;
  /** Hears each download's progress: its URL, bytes so far, and the total (null when the server does not say). */
  onProgress?: (file: string, bytes: number, total: number | null) => void;
}

/** SHA-256 of a file's content, decompressed first when it is gzip. */
export async function contentSha256(path: string): Promise<string> {
  const head = await new Promise<Buffer>((resolve, reject) => {
    const s = createReadStream(path, { start: 0, end: 1 });
    const parts: Buffer[] = [];
    s.on('data', (d) => parts.push(d as Buffer))
      .on('end', () => resolve(Buffer.concat(parts)))
      .on('error', reject);
  });
  const hash = createHash('sha256');
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  const source = createReadStream(path, { highWaterMark: 1 << 20 });
  if (gz) await pipeline(source, createGunzip(), hash);
  else await pipeline(source, hash);
  return hash.digest('hex');
}

async function download(url: string, to: string, onProgress?: FetchOptions['onProgress']): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    const err = e as Error;
    throw new Error(`cannot download ${url}: ${err.cause instanceof Error ? err.cause.message : err.message}`);
  }
  if (!res.ok || !res.body) throw new Error(`cannot download ${url}: HTTP ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get('content-length')) || null;
  let bytes = 0;
  const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    onProgress?.(url, bytes, total);
  });
  await pipeline(body, createWriteStream(to));
}

/** Downloads and verifies dataset `name`; returns the folder it is in. */
export async function fetchDataset(name: string, opts: FetchOptions = {}): Promise<string> {
  const ds = BUILTIN[name];
  if (!ds) throw new Error(`unknown dataset '${name}' (built in: ${Object.keys(BUILTIN).join(', ')})`);
  const baseUrl = opts.baseUrl ?? ds.baseUrl;
  if (!baseUrl) throw new Error(`dataset ${name} has no download location: ${ds.howToGet}`);
  const dir = opts.dir ?? join(cacheDir(), name);
  mkdirSync(dir, { recursive: true });
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const tag = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const pending: { file: BuiltinFile; tmp: string; final: string }[] = [];
  try {
    for (const file of Object.values(ds.files)) {
      const existing = findIdxFile(dir, file.stem);
      if (existing && (await contentSha256(existing)) === file.sha256) continue; // already here and intact
      const tmp = join(dir, `.${file.stem}.gz.download-${tag}`);
      pending.push({ file, tmp, final: join(dir, `${file.stem}.gz`) });
      await download(`${base}${file.stem}.gz`, tmp, opts.onProgress);
      let got: string;
      try {
        got = await contentSha256(tmp);
      } catch (e) {
        throw new Error(`${base}${file.stem}.gz is not a valid gzip file (${(e as Error).message})`);
      }
      if (got !== file.sha256) {
        throw new Error(
          `checksum mismatch for ${base}${file.stem}.gz: content SHA-256 is ${got}, expected ${file.sha256}; nothing was saved`,
        );
      }
    }
    for (const p of pending) renameSync(p.tmp, p.final);
  } finally {
    for (const p of pending) rmSync(p.tmp, { force: true });
  }
  return dir;
}

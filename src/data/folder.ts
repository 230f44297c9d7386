/**
 * Image folders in the usual layout, one sub-folder per class:
 *   dir/cat/001.png, dir/cat/002.jpg, dir/dog/a.jpeg, ...
 * Class names are the sorted sub-folder names and a label is a class's index. Images are
 * decoded with sharp, a few at a time, straight into one preallocated uint8 [N, C, H, W] array.
 */
import { readdir, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import sharp from 'sharp';
import { ImageDataset } from './dataset.js';
import { PathError } from '../util/errors.js';

/** How loadImageFolder reads a folder of class sub-folders of images. */
export interface FolderOptions {
  /** Resize every image to [height, width] (sharp fit 'fill'). Without it all images must share one size. */
  size?: [number, number];
  /** 1 = grayscale, 3 = RGB; default: 1 if every image is grayscale, else 3. */
  channels?: 1 | 3;
  /** Dataset name shown in messages (default: the folder's base name). */
  name?: string;
}

/** A problem with an image folder or one of its images. */
export class DataFolderError extends PathError {}

const IMAGE_EXT = /\.(png|jpe?g)$/i;
/** Images decoded at once: enough to keep sharp's threads busy, few enough to bound memory. */
const CONCURRENCY = 8;

interface Entry {
  file: string;
  label: number;
}

/** Runs fn over items, at most `limit` at a time; stops starting new ones after a failure. */
async function eachLimit<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** An error's code ("ENOENT") or else its message. */
function problem(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/** A directory's entries, sorted by name, hidden ones (".DS_Store", ".git") left out. */
async function listDir(dir: string): Promise<Dirent[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => !e.name.startsWith('.'))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    throw new DataFolderError(dir, `cannot read: ${problem(e)}`);
  }
}

/** Whether an entry is a directory (or a file), following symbolic links. */
async function isKind(dir: string, e: Dirent, kind: 'dir' | 'file'): Promise<boolean> {
  if (e.isSymbolicLink()) {
    const s = await stat(join(dir, e.name)).catch(() => null);
    return kind === 'dir' ? !!s?.isDirectory() : !!s?.isFile();
  }
  return kind === 'dir' ? e.isDirectory() : e.isFile();
}

/** A folder with one sub-folder per class (PNG/JPEG images inside); class names = sorted sub-folder names, label = index. */
export async function loadImageFolder(dir: string, opts: FolderOptions = {}): Promise<ImageDataset> {
  const name = opts.name ?? basename(resolve(dir));
  if (opts.size && !opts.size.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`${name}: size must be two positive integers [height, width], got [${opts.size.join(', ')}]`);
  }

  // The layout: class folders, then the images in each.
  const top = await stat(dir).catch((e: unknown) => {
    throw new DataFolderError(
      dir,
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : `cannot read: ${problem(e)}`,
    );
  });
  if (!top.isDirectory())
    throw new DataFolderError(dir, 'not a folder (expected a folder with one sub-folder of images per class)');
  const entries = await listDir(dir);
  const classNames: string[] = [];
  for (const e of entries) if (await isKind(dir, e, 'dir')) classNames.push(e.name);
  if (classNames.length === 0) {
    const loose = entries.some((e) => IMAGE_EXT.test(e.name))
      ? ' (it holds images directly; put them in a sub-folder per class)'
      : '';
    throw new DataFolderError(
      dir,
      `no class sub-folders: expected one sub-folder of PNG/JPEG images per class${loose}`,
    );
  }
  const items: Entry[] = [];
  for (const [label, cls] of classNames.entries()) {
    const classDir = join(dir, cls);
    for (const e of await listDir(classDir)) {
      if (IMAGE_EXT.test(e.name) && (await isKind(classDir, e, 'file')))
        items.push({ file: join(classDir, e.name), label });
    }
  }
  // A class folder may be empty (its class keeps its label), but not all of them.
  if (items.length === 0) {
    throw new DataFolderError(
      dir,
      `no PNG or JPEG images in its ${classNames.length} class folder(s) (${classNames.join(', ')})`,
    );
  }

  const rel = (i: number): string => join(classNames[items[i]!.label]!, basename(items[i]!.file));
  const { pixels, shape } = await decodeImages(
    dir,
    items.map((it) => it.file),
    opts,
    rel,
  );
  return ImageDataset.fromArrays({ name, pixels, labels: items.map((it) => it.label), shape, classNames });
}

/**
 * Decodes image files into one channel-first uint8 array [N, C, H, W]: headers first (sizes
 * and colour spaces decide the shape before anything is decoded), then the pixels, with at
 * most CONCURRENCY files open at once. `rel` names file i in messages.
 */
export async function decodeImages(
  dir: string,
  files: string[],
  opts: Pick<FolderOptions, 'size' | 'channels'>,
  rel: (i: number) => string = (i) => basename(files[i]!),
): Promise<{ pixels: Uint8Array; shape: [number, number, number] }> {
  const items = files.map((file) => ({ file }));
  // Headers first: sizes and colour spaces decide the array's shape before anything is decoded.
  const meta = new Array<{ width: number; height: number; gray: boolean }>(items.length);
  await eachLimit(items, CONCURRENCY, async ({ file }, i) => {
    const m = await sharp(file)
      .metadata()
      .catch((e: unknown) => {
        throw new DataFolderError(file, `not a readable image: ${problem(e)}`);
      });
    if (!m.width || !m.height)
      throw new DataFolderError(file, 'not a readable image: no width and height in its header');
    meta[i] = { width: m.width, height: m.height, gray: m.space === 'b-w' || (m.channels ?? 3) <= 2 };
  });
  const c = opts.channels ?? (meta.every((m) => m.gray) ? 1 : 3);
  const [h, w] = opts.size ?? [meta[0]!.height, meta[0]!.width];
  if (!opts.size) {
    const odd = meta.findIndex((m) => m.height !== h || m.width !== w);
    if (odd >= 0) {
      throw new DataFolderError(
        dir,
        `images differ in size: ${rel(0)} is ${h}x${w} but ${rel(odd)} is ${meta[odd]!.height}x${meta[odd]!.width} (height x width);` +
          ' resize them all with the size option (--size HxW, e.g. --size 32)',
      );
    }
  }

  // Decode into one array; sharp gives interleaved HWC, the dataset wants channel-first CHW.
  const plane = h * w;
  let pixels: Uint8Array;
  try {
    pixels = new Uint8Array(items.length * c * plane);
  } catch {
    throw new DataFolderError(
      dir,
      `${items.length} images of ${c}x${h}x${w} (${((items.length * c * plane) / 2 ** 30).toFixed(1)} GiB) do not fit in memory; try a smaller size`,
    );
  }
  await eachLimit(items, CONCURRENCY, async ({ file }, i) => {
    let img = sharp(file).flatten({ background: '#000000' }); // alpha onto black
    if (opts.size) img = img.resize(w, h, { fit: 'fill' });
    img = c === 1 ? img.grayscale() : img.removeAlpha().toColourspace('srgb');
    const { data, info } = await img
      .raw()
      .toBuffer({ resolveWithObject: true })
      .catch((e: unknown) => {
        throw new DataFolderError(file, `cannot decode image: ${problem(e)}`);
      });
    if (info.width !== w || info.height !== h || info.channels !== c) {
      throw new DataFolderError(
        file,
        `decoded to ${info.channels}x${info.height}x${info.width}, expected ${c}x${h}x${w}`,
      );
    }
    const base = i * c * plane;
    if (c === 1) pixels.set(data, base);
    else for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) pixels[base + k * plane + p] = data[p * c + k]!;
  });

  return { pixels, shape: [c, h, w] };
}

/** The PNG/JPEG files directly in `dir` (sorted), decoded to one array, for scoring new images. */
export async function loadImageFiles(
  dir: string,
  opts: Pick<FolderOptions, 'size' | 'channels'> = {},
): Promise<{ files: string[]; pixels: Uint8Array; shape: [number, number, number] }> {
  const top = await stat(dir).catch((e: unknown) => {
    throw new DataFolderError(
      dir,
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : `cannot read: ${problem(e)}`,
    );
  });
  if (!top.isDirectory()) throw new DataFolderError(dir, 'not a folder');
  const files: string[] = [];
  for (const e of await listDir(dir))
    if (IMAGE_EXT.test(e.name) && (await isKind(dir, e, 'file'))) files.push(join(dir, e.name));
  if (!files.length) throw new DataFolderError(dir, 'no PNG or JPEG images in it');
  return { files, ...(await decodeImages(dir, files, opts)) };
}

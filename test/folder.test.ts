import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import * as L from '../src/index.js';
import { DataFolderError, loadImageFolder } from '../src/data/folder.js';
import { tempDir } from './helpers.js';

const root = tempDir('folder');
let fixtures = 0;

/** A fresh empty folder under the temp root. */
function freshDir(): string {
  const d = join(root, `case${fixtures++}`);
  mkdirSync(d);
  return d;
}

/** Deterministic pseudo-random bytes (so pixel checks do not hinge on a lucky pattern). */
function bytes(n: number, seed: number): Uint8Array {
  let a = seed;
  return Uint8Array.from({ length: n }, () => ((a = (a * 1103515245 + 12345) >>> 0), a >>> 24));
}

/** Writes interleaved HWC pixels as an image file; the format follows the extension. */
async function writeImage(
  path: string,
  pixels: Uint8Array,
  height: number,
  width: number,
  channels: 1 | 2 | 3 | 4,
): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  let img = sharp(Buffer.from(pixels), { raw: { width, height, channels } });
  if (channels <= 2) img = img.toColourspace('b-w'); // otherwise sharp stores it as RGB
  img = /\.png$/i.test(path) ? img.png() : img.jpeg({ quality: 95 });
  await img.toFile(path);
}

/** HWC to CHW, as the dataset stores images. */
function channelFirst(hwc: Uint8Array, h: number, w: number, c: number): Uint8Array {
  const out = new Uint8Array(hwc.length);
  for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) out[k * h * w + p] = hwc[p * c + k]!;
  return out;
}

function pixelsOf(ds: L.data.ImageDataset): Uint8Array {
  return ds.images.toTypedArray() as Uint8Array;
}

/** Asserts that loading rejects with a DataFolderError matching every pattern, and leaks no tensors. */
async function assertFails(
  dir: string,
  patterns: RegExp[],
  opts?: Parameters<typeof loadImageFolder>[1],
): Promise<void> {
  const live = L.liveTensors();
  await assert.rejects(loadImageFolder(dir, opts), (e: Error) => {
    assert.ok(e instanceof DataFolderError, `expected a DataFolderError, got ${e}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
  assert.equal(L.liveTensors(), live, 'a failed load left tensors behind');
}

test('a grayscale PNG folder loads with exact pixels, sorted classes and labels; other files are ignored', async () => {
  const dir = freshDir();
  const [h, w] = [4, 5]; // not square, so a swapped height and width would show
  // Written out of order: classes and files must come back sorted by name.
  const files: [string, number][] = [
    ['zebra/b.png', 2],
    ['ant/b.PNG', 0],
    ['ant/a.png', 0],
    ['moth/only.png', 1],
    ['zebra/a.png', 2],
  ];
  const src = new Map<string, Uint8Array>();
  for (const [i, [f]] of files.entries()) {
    src.set(f, bytes(h * w, i + 1));
    await writeImage(join(dir, f), src.get(f)!, h, w, 1);
  }
  writeFileSync(join(dir, 'ant', 'notes.txt'), 'not an image');
  writeFileSync(join(dir, 'ant', '.hidden.png'), 'hidden, not an image');
  writeFileSync(join(dir, 'README.md'), 'top-level files are not classes');
  mkdirSync(join(dir, '.cache'));
  await writeImage(join(dir, 'moth', 'nested', 'deep.png'), bytes(h * w, 99), h, w, 1); // sub-sub-folders are ignored

  const live = L.liveTensors();
  const ds = await loadImageFolder(dir);
  assert.equal(ds.name, basename(dir));
  assert.deepEqual(ds.classNames, ['ant', 'moth', 'zebra']);
  assert.deepEqual(ds.images.shape, [5, 1, h, w]);
  assert.equal(ds.images.dtype, 'uint8');
  assert.deepEqual(ds.labels.toArray(), [0, 0, 1, 2, 2]);
  const order = ['ant/a.png', 'ant/b.PNG', 'moth/only.png', 'zebra/a.png', 'zebra/b.png'];
  const expected = new Uint8Array(5 * h * w);
  order.forEach((f, i) => expected.set(src.get(f)!, i * h * w));
  assert.deepEqual(pixelsOf(ds), expected);
  ds.dispose();
  assert.equal(L.liveTensors(), live);
});

test('RGB PNGs load channel-first with exact pixels; alpha is flattened onto black; gray images join as 3 equal planes', async () => {
  const dir = freshDir();
  const [h, w] = [3, 4];
  const rgb = bytes(h * w * 3, 7);
  await writeImage(join(dir, 'a', '1.png'), rgb, h, w, 3);
  // RGBA: the top row opaque, the rest fully transparent.
  const rgba = bytes(h * w * 4, 8);
  for (let p = 0; p < h * w; p++) rgba[p * 4 + 3] = p < w ? 255 : 0;
  await writeImage(join(dir, 'b', '1.png'), rgba, h, w, 4);
  const gray = bytes(h * w, 9);
  await writeImage(join(dir, 'b', '2.png'), gray, h, w, 1);

  const ds = await loadImageFolder(dir, { name: 'colours' });
  assert.equal(ds.name, 'colours');
  assert.deepEqual(ds.images.shape, [3, 3, h, w]);
  assert.deepEqual(ds.labels.toArray(), [0, 1, 1]);
  const flat = new Uint8Array(h * w * 3);
  for (let p = 0; p < w; p++) for (let k = 0; k < 3; k++) flat[p * 3 + k] = rgba[p * 4 + k]!;
  const grayRgb = Uint8Array.from({ length: h * w * 3 }, (_, i) => gray[Math.floor(i / 3)]!);
  const expected = new Uint8Array(3 * 3 * h * w);
  [rgb, flat, grayRgb].forEach((hwc, i) => expected.set(channelFirst(hwc, h, w, 3), i * 3 * h * w));
  assert.deepEqual(pixelsOf(ds), expected);
  ds.dispose();

  // The channels option overrides the automatic choice, both ways.
  const asGray = await loadImageFolder(dir, { channels: 1 });
  assert.deepEqual(asGray.images.shape, [3, 1, h, w]);
  assert.deepEqual(pixelsOf(asGray).subarray(2 * h * w), gray);
  asGray.dispose();
  const grayDir = freshDir();
  await writeImage(join(grayDir, 'only', 'g.png'), gray, h, w, 1);
  const asRgb = await loadImageFolder(grayDir, { channels: 3 });
  assert.deepEqual(asRgb.images.shape, [1, 3, h, w]);
  assert.deepEqual(pixelsOf(asRgb), channelFirst(grayRgb, h, w, 3));
  asRgb.dispose();
});

test('a JPEG folder loads, close to its source pixels', async () => {
  const dir = freshDir();
  const [h, w] = [16, 24];
  const srcs: Uint8Array[] = [];
  for (const [i, f] of ['x/1.jpg', 'x/2.JPEG', 'y/3.jpeg'].entries()) {
    // Smooth gradients: JPEG keeps them well, unlike noise.
    const px = new Uint8Array(h * w * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set([x * 10, y * 15, 60 * i + 40], (y * w + x) * 3);
    srcs.push(px);
    await writeImage(join(dir, f), px, h, w, 3);
  }
  const ds = await loadImageFolder(dir);
  assert.deepEqual(ds.images.shape, [3, 3, h, w]);
  assert.deepEqual(ds.classNames, ['x', 'y']);
  const got = pixelsOf(ds);
  const want = new Uint8Array(got.length);
  srcs.forEach((s, i) => want.set(channelFirst(s, h, w, 3), i * 3 * h * w));
  const mae = got.reduce((sum, v, i) => sum + Math.abs(v - want[i]!), 0) / got.length;
  assert.ok(mae < 3, `mean absolute error ${mae.toFixed(2)} is not below 3`);
  ds.dispose();
});

test('size resizes images of any size to one shape; a uniform image keeps its colour', async () => {
  const dir = freshDir();
  await writeImage(
    join(dir, 'a', 'small.png'),
    Uint8Array.from({ length: 5 * 7 * 3 }, (_, i) => [200, 40, 90][i % 3]!),
    5,
    7,
    3,
  );
  await writeImage(join(dir, 'b', 'big.png'), bytes(30 * 20 * 3, 3), 30, 20, 3);
  const ds = await loadImageFolder(dir, { size: [8, 6] });
  assert.deepEqual(ds.images.shape, [2, 3, 8, 6]);
  const first = pixelsOf(ds).subarray(0, 3 * 8 * 6);
  for (const [k, v] of [200, 40, 90].entries())
    assert.ok(
      first.subarray(k * 48, (k + 1) * 48).every((p) => p === v),
      `channel ${k} is not all ${v}`,
    );
  ds.dispose();
  await assert.rejects(loadImageFolder(dir, { size: [0, 6] }), /size must be two positive integers/);
});

test('a class folder without images keeps its class, with no images', async () => {
  const dir = freshDir();
  await writeImage(join(dir, 'a', '1.png'), bytes(4, 1), 2, 2, 1);
  mkdirSync(join(dir, 'b'));
  await writeImage(join(dir, 'c', '1.png'), bytes(4, 2), 2, 2, 1);
  const ds = await loadImageFolder(dir);
  assert.deepEqual(ds.classNames, ['a', 'b', 'c']);
  assert.deepEqual(ds.labels.toArray(), [0, 2]);
  assert.deepEqual(ds.classCounts(), [1, 0, 1]);
  ds.dispose();
});

test('mixed sizes without size are refused, naming both files and suggesting --size', async () => {
  const dir = freshDir();
  await writeImage(join(dir, 'a', '1.png'), bytes(28 * 28, 1), 28, 28, 1);
  await writeImage(join(dir, 'a', '2.png'), bytes(28 * 28, 2), 28, 28, 1);
  await writeImage(join(dir, 'b', 'odd.png'), bytes(32 * 30, 3), 32, 30, 1);
  await assertFails(dir, [/images differ in size/, /a[\\/]1\.png is 28x28/, /b[\\/]odd\.png is 32x30/, /--size/]);
});

test('corrupt and truncated images are refused, naming the file', async () => {
  const dir = freshDir();
  await writeImage(join(dir, 'a', 'good.png'), bytes(16, 1), 4, 4, 1);
  writeFileSync(join(dir, 'a', 'x.png'), Buffer.from(bytes(300, 5)));
  await assertFails(dir, [/[\\/]a[\\/]x\.png: not a readable image/]);

  // A valid header with the pixel data cut off passes the header pass and fails while decoding.
  const dir2 = freshDir();
  await writeImage(join(dir2, 'a', 'good.png'), bytes(64 * 64, 1), 64, 64, 1);
  await writeImage(join(dir2, 'a', 'cut.png'), bytes(64 * 64, 2), 64, 64, 1);
  const whole = readFileSync(join(dir2, 'a', 'cut.png'));
  writeFileSync(join(dir2, 'a', 'cut.png'), whole.subarray(0, Math.floor(whole.length / 2)));
  await assertFails(dir2, [/[\\/]a[\\/]cut\.png: /]);
});

test('missing, non-folder, class-less and image-less paths are refused clearly', async () => {
  const missing = join(root, 'no-such-dir');
  await assertFails(missing, [new RegExp(`^${missing.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}: no such folder$`)]);

  const file = join(freshDir(), 'file.png');
  writeFileSync(file, 'x');
  await assertFails(file, [/file\.png: not a folder/]);

  const empty = freshDir();
  await assertFails(empty, [/no class sub-folders/]);

  const loose = freshDir();
  await writeImage(join(loose, 'a.png'), bytes(4, 1), 2, 2, 1);
  await assertFails(loose, [/no class sub-folders/, /holds images directly/]);

  const imageless = freshDir();
  mkdirSync(join(imageless, 'cats'));
  mkdirSync(join(imageless, 'dogs'));
  writeFileSync(join(imageless, 'dogs', 'list.txt'), 'no images here');
  await assertFails(imageless, [
    new RegExp(`case\\d+: no PNG or JPEG images in its 2 class folder\\(s\\) \\(cats, dogs\\)`),
  ]);
});

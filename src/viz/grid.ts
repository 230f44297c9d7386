/**
 * Image grids: many small images (uint8 [N, C, H, W]) tiled into one picture with padding,
 * optionally upscaled by an integer factor (nearest neighbour) so 28-pixel digits are visible.
 * PNG encoding through sharp; files are written atomically.
 */
import sharp from 'sharp';
import { writeFileAtomic } from '../util/fs.js';

/** An interleaved (height, width, channel) uint8 picture. */
export interface Raster {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

export interface GridOptions {
  /** Images per row (default: ceil(sqrt(n))). */
  cols?: number;
  /** Pixels between tiles and around the edge (before scaling). */
  pad?: number;
  /** Grey level of the padding, 0 to 255. */
  padValue?: number;
  /** Integer upscaling factor. */
  scale?: number;
}

/** Tiles images given channel-first as [n, c, h, w] into one raster, row by row. */
export function tileImages(pixels: Uint8Array, shape: [number, number, number, number], o: GridOptions = {}): Raster {
  const [n, c, h, w] = shape;
  if (c !== 1 && c !== 3) throw new RangeError(`tileImages: images must have 1 or 3 channels, got ${c}`);
  if (pixels.length !== n * c * h * w) throw new RangeError(`tileImages: ${pixels.length} pixels for shape [${shape}]`);
  const cols = Math.max(1, Math.min(n, o.cols ?? Math.ceil(Math.sqrt(n))));
  const rows = Math.max(1, Math.ceil(n / cols));
  const pad = o.pad ?? 2;
  const s = Math.max(1, Math.floor(o.scale ?? 1));
  const width = (cols * (w + pad) + pad) * s;
  const height = (rows * (h + pad) + pad) * s;
  const data = new Uint8Array(width * height * c).fill(o.padValue ?? 255);
  for (let i = 0; i < n; i++) {
    const x0 = (pad + (i % cols) * (w + pad)) * s;
    const y0 = (pad + Math.floor(i / cols) * (h + pad)) * s;
    for (let y = 0; y < h * s; y++) {
      const row = ((y0 + y) * width + x0) * c;
      const srcY = Math.floor(y / s);
      for (let x = 0; x < w * s; x++) {
        const srcX = Math.floor(x / s);
        for (let k = 0; k < c; k++) data[row + x * c + k] = pixels[((i * c + k) * h + srcY) * w + srcX]!;
      }
    }
  }
  return { width, height, channels: c, data };
}

/** Where tile i's top-left pixel lands (for tests and overlays). */
export function tileOrigin(
  i: number,
  imageSize: [number, number],
  o: GridOptions & { cols: number },
): [number, number] {
  const [h, w] = imageSize;
  const pad = o.pad ?? 2;
  const s = Math.max(1, Math.floor(o.scale ?? 1));
  return [(pad + (i % o.cols) * (w + pad)) * s, (pad + Math.floor(i / o.cols) * (h + pad)) * s];
}

export function encodePng(img: Raster): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } })
    .png()
    .toBuffer();
}

export async function savePng(path: string, img: Raster): Promise<void> {
  writeFileAtomic(path, await encodePng(img));
}

/** Decodes a PNG back to a raster (for tests and for comparing pictures). */
export async function decodePng(data: Buffer | string): Promise<Raster> {
  const { data: pixels, info } = await sharp(data).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels as 1 | 3 | 4, data: new Uint8Array(pixels) };
}

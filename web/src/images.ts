/** Drawing images that arrive as uint8 pixels (channel-first, base64) onto canvases, pixels kept sharp. */
import type { ImageBatch } from '../../src/wire/types.js';

export function pixelsOf(batch: ImageBatch): Uint8Array {
  const bin = atob(batch.data);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** ImageData of image i: grey for one channel, colour for three. */
function imageData(batch: ImageBatch, pixels: Uint8Array, i: number): ImageData {
  const { channels: c, height: hh, width: w } = batch;
  const plane = hh * w;
  const img = new ImageData(w, hh);
  const base = i * c * plane;
  for (let p = 0; p < plane; p++) {
    img.data[p * 4] = pixels[base + p]!;
    img.data[p * 4 + 1] = pixels[base + (c === 3 ? plane : 0) + p]!;
    img.data[p * 4 + 2] = pixels[base + (c === 3 ? 2 * plane : 0) + p]!;
    img.data[p * 4 + 3] = 255;
  }
  return img;
}

/** Draws the images side by side (or in `cols` columns) at `scale` screen pixels per pixel. */
/** The images at `positions` of a batch, as a new batch (the pixels are base64 bytes, one image after another). */
export function pickImages(batch: ImageBatch, positions: number[], bin = atob(batch.data)): ImageBatch {
  const size = batch.channels * batch.height * batch.width;
  return {
    ...batch,
    n: positions.length,
    data: btoa(positions.map((i) => bin.slice(i * size, (i + 1) * size)).join('')),
  };
}

export function drawImages(
  canvas: HTMLCanvasElement,
  batch: ImageBatch,
  o: { scale?: number; cols?: number; gap?: number } = {},
): void {
  const scale = o.scale ?? 4;
  const cols = Math.min(o.cols ?? batch.n, batch.n);
  const gap = o.gap ?? (batch.n > 1 ? 2 : 0);
  const rows = Math.ceil(batch.n / cols);
  const tw = batch.width * scale;
  const th = batch.height * scale;
  canvas.width = cols * tw + (cols - 1) * gap;
  canvas.height = rows * th + (rows - 1) * gap;
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const pixels = pixelsOf(batch);
  const tile = document.createElement('canvas');
  tile.width = batch.width;
  tile.height = batch.height;
  const tctx = tile.getContext('2d')!;
  for (let i = 0; i < batch.n; i++) {
    tctx.putImageData(imageData(batch, pixels, i), 0, 0);
    ctx.drawImage(tile, (i % cols) * (tw + gap), Math.floor(i / cols) * (th + gap), tw, th);
  }
}

/** Vega's tableau10, the latent map's class colours in the PNG figures too. */
export const CLASS_COLOURS = [
  '#4c78a8',
  '#f58518',
  '#e45756',
  '#72b7b2',
  '#54a24b',
  '#eeca3b',
  '#b279a2',
  '#ff9da6',
  '#9d755d',
  '#bab0ac',
];
export const classColour = (k: number): string => CLASS_COLOURS[k % CLASS_COLOURS.length]!;

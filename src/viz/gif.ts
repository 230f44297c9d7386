/** Animated GIFs through gifenc: grayscale frames get an exact 256-level palette, colour ones a quantised one. */
import gifenc from 'gifenc';
import { writeFileAtomic } from '../util/fs.js';
import type { Raster } from './grid.js';

const GRAYS: number[][] = Array.from({ length: 256 }, (_, i) => [i, i, i]);

/** Encodes frames of equal size; `delay` in milliseconds per frame; loops forever. */
export function encodeGif(frames: Raster[], delay = 200): Uint8Array {
  if (!frames.length) throw new RangeError('a GIF needs at least one frame');
  const { width, height } = frames[0]!;
  const gif = gifenc.GIFEncoder();
  for (const f of frames) {
    if (f.width !== width || f.height !== height)
      throw new RangeError(`GIF frames differ in size: ${f.width}x${f.height} vs ${width}x${height}`);
    if (f.channels === 1) {
      gif.writeFrame(f.data, width, height, { palette: GRAYS, delay });
    } else {
      const rgba = toRgba(f);
      const palette = gifenc.quantize(rgba, 256);
      gif.writeFrame(gifenc.applyPalette(rgba, palette), width, height, { palette, delay });
    }
  }
  gif.finish();
  return gif.bytes();
}

function toRgba(f: Raster): Uint8Array {
  if (f.channels === 4) return f.data;
  const out = new Uint8Array(f.width * f.height * 4);
  for (let i = 0; i < f.width * f.height; i++) {
    out[i * 4] = f.data[i * 3]!;
    out[i * 4 + 1] = f.data[i * 3 + 1]!;
    out[i * 4 + 2] = f.data[i * 3 + 2]!;
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** Writes frames of equal size as a looping GIF; `delay` in milliseconds per frame. */
export function saveGif(path: string, frames: Raster[], delay = 200): void {
  writeFileAtomic(path, encodeGif(frames, delay));
}

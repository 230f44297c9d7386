/**
 * Resizing a loaded dataset's images, for IDX data given a size (`--size 32`): each image goes
 * through sharp with fit 'fill', as image folders are resized while they load, so that the
 * size option means the same for every kind of custom data.
 */
import sharp from 'sharp';
import { ImageDataset } from './dataset.js';

/** Images resized at once. */
const CONCURRENCY = 8;

/** `ds` with every image resized to [height, width] (`ds` itself when it has that size already; otherwise it is disposed). */
export async function resizeDataset(ds: ImageDataset, [h, w]: [number, number]): Promise<ImageDataset> {
  const [c, h0, w0] = ds.imageShape;
  if (h0 === h && w0 === w) return ds;
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0))
    throw new RangeError(`${ds.name}: size must be two positive integers [height, width], got [${h}, ${w}]`);
  if (c !== 1 && c !== 3) throw new RangeError(`${ds.name}: cannot resize images of ${c} channels (1 or 3 only)`);
  const dense = ds.images.contiguous();
  const src = dense.toTypedArray() as Uint8Array;
  dense.dispose();
  const n = ds.length;
  const plane0 = h0 * w0;
  const plane = h * w;
  const out = new Uint8Array(n * c * plane);
  const one = async (i: number): Promise<void> => {
    // Channel-first in the dataset, interleaved for sharp.
    const hwc = new Uint8Array(c * plane0);
    const base0 = i * c * plane0;
    for (let k = 0; k < c; k++) for (let p = 0; p < plane0; p++) hwc[p * c + k] = src[base0 + k * plane0 + p]!;
    const { data, info } = await sharp(hwc, { raw: { width: w0, height: h0, channels: c } })
      .resize(w, h, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const base = i * c * plane;
    const step = info.channels;
    for (let k = 0; k < c; k++) for (let p = 0; p < plane; p++) out[base + k * plane + p] = data[p * step + k]!;
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await one(next++);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, worker));
  const labels = ds.labels.toArray();
  const resized = ImageDataset.fromArrays({
    name: ds.name,
    pixels: out,
    labels,
    shape: [c, h, w],
    classNames: ds.classNames,
  });
  ds.dispose();
  return resized;
}

/**
 * IDX, the file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
 * two zero bytes, an element-type byte, a dimension count, the dimensions as big-endian
 * uint32, then the big-endian elements. Gzipped files are decompressed as a stream straight
 * into the result array, so only one copy of the data is ever held.
 */
import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { PathError } from '../util/errors.js';

export type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface Idx {
  /** Element type code, 0x08 to 0x0E. */
  type: number;
  shape: number[];
  data: IdxArray;
}

/** Element types by IDX code: [array constructor, bytes per element, name]. */
const TYPES: Record<number, [new (n: number) => IdxArray, number, string]> = {
  0x08: [Uint8Array, 1, 'uint8'],
  0x09: [Int8Array, 1, 'int8'],
  0x0b: [Int16Array, 2, 'int16'],
  0x0c: [Int32Array, 4, 'int32'],
  0x0d: [Float32Array, 4, 'float32'],
  0x0e: [Float64Array, 8, 'float64'],
};

/** A problem with an IDX file. */
export class IdxError extends PathError {}

function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Parses the header at the start of `buf`, or returns null when more bytes are needed. */
function parseHeader(file: string, buf: Buffer): { type: number; shape: number[]; size: number } | null {
  if (buf.length < 4) return null;
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new IdxError(
      file,
      `not an IDX file: wrong magic number 0x${buf.readUInt32BE(0).toString(16).padStart(8, '0')}`,
    );
  }
  const type = buf[2]!;
  if (!TYPES[type]) {
    throw new IdxError(
      file,
      `unknown IDX element type 0x${type.toString(16).padStart(2, '0')} (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)`,
    );
  }
  const ndim = buf[3]!;
  if (ndim === 0) throw new IdxError(file, 'IDX header declares 0 dimensions');
  if (buf.length < 4 + 4 * ndim) return null;
  const shape = Array.from({ length: ndim }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  return { type, shape, size: 4 + 4 * ndim };
}

function swapInPlace(bytes: Uint8Array, width: number): void {
  if (width === 2) Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).swap16();
  else if (width === 4) Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).swap32();
  else if (width === 8) Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).swap64();
}

/**
 * Reads an IDX file, raw or gzipped (detected by its first bytes, not its name). Throws an
 * IdxError naming the file and the problem: wrong magic, unknown type, a header promising
 * more data than the file holds, trailing bytes, or a corrupt gzip stream.
 */
export async function readIdx(file: string): Promise<Idx> {
  let gz: boolean;
  try {
    gz = statSync(file).isFile() && isGzip(file);
  } catch (e) {
    throw new IdxError(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (file.endsWith('.gz') && !gz) throw new IdxError(file, 'named .gz but is not gzip data');
  if (!gz) return readRawIdx(file);

  const source = createReadStream(file, { highWaterMark: 1 << 20 });
  const stream = source.pipe(createGunzip({ chunkSize: 1 << 20 }));
  source.on('error', (e) => stream.destroy(e));

  let head = Buffer.alloc(0);
  let header: ReturnType<typeof parseHeader> = null;
  let out: Uint8Array | null = null; // the bytes of the result array
  let filled = 0;
  let result: Idx | null = null;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let piece = chunk;
      if (!header) {
        head = Buffer.concat([head, piece]);
        header = parseHeader(file, head);
        if (!header) continue;
        const [Ctor, width] = TYPES[header.type]!;
        const count = header.shape.reduce((a, b) => a * b, 1);
        const arr = new Ctor(count);
        result = { type: header.type, shape: header.shape, data: arr };
        out = new Uint8Array(arr.buffer, 0, count * width);
        piece = head.subarray(header.size);
      }
      if (filled + piece.length > out!.length) {
        throw new IdxError(
          file,
          `has ${filled + piece.length - out!.length}+ bytes after the ${out!.length} bytes of data its header declares`,
        );
      }
      out!.set(piece, filled);
      filled += piece.length;
    }
  } catch (e) {
    if (e instanceof IdxError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code?.startsWith('Z_') || /gzip|header|incorrect|unexpected end/i.test(err.message)) {
      throw new IdxError(file, `corrupt gzip data (${err.message})`);
    }
    throw new IdxError(file, `cannot read: ${err.code ?? err.message}`);
  } finally {
    source.destroy();
  }
  if (!header || !result) throw new IdxError(file, `truncated: only ${head.length} bytes, not even a full IDX header`);
  if (filled < out!.length) {
    const [, width, name] = TYPES[header.type]!;
    throw new IdxError(
      file,
      `truncated: header promises [${header.shape.join(' x ')}] ${name} (${out!.length} bytes) but only ${filled} bytes follow` +
        ` (${Math.floor(filled / width)} of ${out!.length / width} elements)`,
    );
  }
  swapInPlace(out!, TYPES[header.type]![1]); // IDX is big-endian; typed arrays are little-endian here
  return result;
}

/** An uncompressed file is read straight into the result array: one read, one copy. */
function readRawIdx(file: string): Idx {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const head = Buffer.alloc(Math.min(size, 4 + 4 * 255));
    readSync(fd, head, 0, head.length, 0);
    const header = parseHeader(file, head);
    if (!header) throw new IdxError(file, `truncated: only ${size} bytes, not even a full IDX header`);
    const [Ctor, width, name] = TYPES[header.type]!;
    const count = header.shape.reduce((a, b) => a * b, 1);
    const want = count * width;
    const have = size - header.size;
    if (have < want) {
      throw new IdxError(
        file,
        `truncated: header promises [${header.shape.join(' x ')}] ${name} (${want} bytes) but only ${have} bytes follow` +
          ` (${Math.floor(have / width)} of ${count} elements)`,
      );
    }
    if (have > want)
      throw new IdxError(file, `has ${have - want}+ bytes after the ${want} bytes of data its header declares`);
    const data = new Ctor(count);
    const bytes = new Uint8Array(data.buffer, 0, want);
    let off = 0;
    while (off < want) off += readSync(fd, bytes, off, want - off, header.size + off);
    swapInPlace(bytes, width);
    return { type: header.type, shape: header.shape, data };
  } finally {
    closeSync(fd);
  }
}

/** Writes an IDX file's bytes (for tests and for exporting datasets). */
export function encodeIdx(type: number, shape: number[], data: ArrayLike<number>): Buffer {
  const t = TYPES[type];
  if (!t) throw new RangeError(`unknown IDX element type 0x${type.toString(16)}`);
  const [Ctor, width] = t;
  const arr = new Ctor(data.length);
  arr.set(data);
  const body = Buffer.from(new Uint8Array(arr.buffer).slice());
  swapInPlace(body, width);
  const head = Buffer.alloc(4 + 4 * shape.length);
  head[2] = type;
  head[3] = shape.length;
  shape.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, body]);
}

/** The name of an IDX element type code ("uint8", "float32", ...). */
export function idxTypeName(type: number): string {
  return TYPES[type]?.[2] ?? `0x${type.toString(16)}`;
}

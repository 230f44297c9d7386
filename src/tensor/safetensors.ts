/**
 * safetensors, the tensor file format of the PyTorch and Hugging Face ecosystems
 * (https://github.com/huggingface/safetensors): an 8-byte little-endian header length, a JSON
 * header mapping each name to {dtype, shape, data_offsets}, then the raw little-endian bytes.
 * Files written here open in Python with `safetensors.torch.load_file`.
 */
import { readFileSync } from 'node:fs';
import { native } from '../binding/native.js';
import { writeFileAtomic } from '../util/fs.js';
import { wrap, type DType, type Tensor } from './tensor.js';

const CODES: Partial<Record<DType, string>> = {
  float64: 'F64',
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};
const DTYPES = Object.fromEntries(Object.entries(CODES).map(([k, v]) => [v, k as DType])) as Record<string, DType>;
const ITEM_SIZE: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** A safetensors file's `__metadata__`: string keys to string values. */
export type Metadata = Record<string, string>;

/** The bytes of a safetensors file holding `tensors` (in the given order) and `metadata`. */
export function serializeSafetensors(tensors: Record<string, Tensor>, metadata?: Metadata): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const code = CODES[t.dtype];
    if (!code) throw new TypeError(`safetensors: cannot store '${name}' of dtype ${t.dtype}`);
    const bytes = new Uint8Array(native.toBytes(t.handle));
    header[name] = { dtype: code, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    blobs.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8); // keeps the data 8-byte aligned
  const head = Buffer.alloc(8 + Buffer.byteLength(json));
  head.writeBigUInt64LE(BigInt(head.length - 8), 0);
  head.write(json, 8);
  return [head, ...blobs];
}

/** Writes a safetensors file atomically. */
export function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Metadata): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

/** What a safetensors file holds. */
export interface SafetensorsContents {
  /** The tensors by name, on the CPU. */
  tensors: Record<string, Tensor>;
  /** The header's metadata ({} when absent). */
  metadata: Metadata;
}

/** Parses safetensors bytes; every header entry is checked before any tensor is made. */
export function parseSafetensors(buf: Uint8Array, source = 'safetensors data'): SafetensorsContents {
  const fail = (msg: string): never => {
    throw new Error(`${source}: ${msg}`);
  };
  if (buf.length < 8) fail(`only ${buf.length} bytes, too short for a safetensors header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > buf.length - 8) fail(`header length ${headerLen} exceeds the file (${buf.length} bytes)`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Metadata>;
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, headerLen).toString('utf8')) as typeof header;
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const metadata = (Object.hasOwn(header, '__metadata__') ? header.__metadata__ : {}) as Metadata;
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__') as [
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] },
  ][];
  for (const [name, e] of entries) {
    if (e === null || typeof e !== 'object') fail(`entry '${name}' is not an object`);
    const size = Object.hasOwn(ITEM_SIZE, e.dtype) ? ITEM_SIZE[e.dtype] : undefined;
    if (!size) fail(`tensor '${name}' has unsupported dtype ${e.dtype}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0))
      fail(`tensor '${name}' has a bad shape`);
    const [s, t] = e.data_offsets ?? [];
    if (!Number.isInteger(s) || !Number.isInteger(t) || s < 0 || t < s || t > dataLen) {
      fail(`tensor '${name}' has data_offsets [${e.data_offsets}] outside the ${dataLen} data bytes`);
    }
    const want = e.shape.reduce((a, b) => a * b, 1) * size!;
    if (t - s !== want) fail(`tensor '${name}' of shape [${e.shape}] ${e.dtype} needs ${want} bytes, has ${t - s}`);
  }
  const tensors: Record<string, Tensor> = {};
  for (const [name, e] of entries) {
    const [s, t] = e.data_offsets;
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset + dataStart + s, t - s);
    tensors[name] = wrap(native.fromBytes(bytes, DTYPES[e.dtype]!, e.shape));
  }
  return { tensors, metadata };
}

/** Reads a safetensors file (errors name the file). */
export function loadSafetensors(path: string): SafetensorsContents {
  return parseSafetensors(readFileSync(path), path);
}

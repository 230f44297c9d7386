/**
 * ONNX's protobuf encoding through protobufjs: the schema is the vendored onnx.proto (ONNX's
 * own message and field names, parsed with keepCase so that objects use them as written:
 * `op_type`, `raw_data`, `metadata_props`), read once from the package's source tree.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { packageRoot } from '../binding/native.js';

/** TensorProto.DataType values latentlab writes. */
export const DATA_TYPE = { float32: 1, int64: 7, bool: 9 } as const;
/** AttributeProto.AttributeType values latentlab writes. */
export const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

/** The opset and IR version of every exported file (opset 17 needs IR 8). */
export const OPSET = 17;
export const IR_VERSION = 8;

export const schemaPath = join(packageRoot, 'src', 'export', 'onnx.proto');

let modelType: protobuf.Type | null = null;

function modelProto(): protobuf.Type {
  modelType ??= protobuf.parse(readFileSync(schemaPath, 'utf8'), { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

/** The bytes of a ModelProto given as a plain object with ONNX's field names (checked against the schema first). */
export function encodeModel(model: Record<string, unknown>): Uint8Array {
  const type = modelProto();
  const problem = type.verify(model);
  if (problem) throw new Error(`internal error: the ONNX model does not fit onnx.proto: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}

/** A ModelProto read back as a plain object (int64 as numbers, bytes as Uint8Array): for tests and tools. */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const type = modelProto();
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false, arrays: true });
}

/** A model file's metadata_props as a record. */
export function readMetadata(bytes: Uint8Array): Record<string, string> {
  const props = (decodeModel(bytes).metadata_props ?? []) as { key: string; value: string }[];
  return Object.fromEntries(props.map((p) => [p.key, p.value]));
}

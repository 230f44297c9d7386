/**
 * A small ONNX graph builder. Every value carries the dtype and shape it had when the forward
 * pass was traced on an example batch, so that each converter knows the shapes it works with.
 * Inputs and outputs have a symbolic first dimension, 'batch'.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ATTRIBUTE_TYPE, DATA_TYPE, IR_VERSION, OPSET } from './onnx-proto.js';

/** A value in the graph: its name, and its element type and shape on the traced example. */
export interface Value extends Meta {
  name: string;
}
/** A value's element type (as latentlab names dtypes) and shape. */
export interface Meta {
  dtype: string;
  shape: number[];
}

/** A node attribute, typed as ONNX types it. */
export type Attr = { f: number } | { i: number } | { s: string } | { floats: number[] } | { ints: number[] };

type ElemType = keyof typeof DATA_TYPE;
type Obj = Record<string, unknown>;

function encodeAttr(name: string, a: Attr): Obj {
  if ('f' in a) return { name, type: ATTRIBUTE_TYPE.FLOAT, f: a.f };
  if ('i' in a) return { name, type: ATTRIBUTE_TYPE.INT, i: a.i };
  if ('s' in a) return { name, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(a.s) };
  if ('floats' in a) return { name, type: ATTRIBUTE_TYPE.FLOATS, floats: a.floats };
  return { name, type: ATTRIBUTE_TYPE.INTS, ints: a.ints };
}

/** A value's type with the first dimension symbolic. */
function valueInfo(name: string, elem: ElemType, shape: number[]): Obj {
  const dim = shape.map((d, i) => (i === 0 ? { dim_param: 'batch' } : { dim_value: d }));
  return { name, type: { tensor_type: { elem_type: DATA_TYPE[elem], shape: { dim } } } };
}

/** The ONNX element type of a dtype; the exporter works in float32, int64 and bool. */
export function elemOf(dtype: string): ElemType {
  if (dtype === 'float32' || dtype === 'int64' || dtype === 'bool') return dtype;
  throw new Error(`the ONNX exporter handles float32, int64 and bool values, not ${dtype}`);
}

export class GraphBuilder {
  readonly #nodes: Obj[] = [];
  readonly #initializers: Obj[] = [];
  readonly #inputs: Obj[] = [];
  readonly #outputs: Obj[] = [];
  readonly #names: Set<string>;
  readonly #io: Set<string>;

  /** The first input and its traced batch size, for shapes that restate the batch (see aten-shape.ts). */
  batch: { input: string; size: number } | null = null;

  /** `io`: the names of the graph's inputs and outputs, kept as given (other values get fresh names). */
  constructor(io: string[]) {
    this.#io = new Set(io);
    this.#names = new Set(io);
  }

  /** `base`, or `base_1`, `base_2`, ... if taken. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.#names.has(name); i++) name = `${base}_${i}`;
    this.#names.add(name);
    return name;
  }

  #declared(name: string): string {
    if (!this.#io.has(name))
      throw new Error(`internal error: '${name}' is not one of the graph's declared inputs and outputs`);
    return name;
  }

  /** A graph input of the example's dtype and shape (batch symbolic). */
  input(name: string, meta: Meta): Value {
    this.#inputs.push(valueInfo(this.#declared(name), elemOf(meta.dtype), meta.shape));
    this.batch ??= { input: name, size: meta.shape[0]! };
    return { name, dtype: meta.dtype, shape: meta.shape };
  }

  /** An initializer holding a copy of `t` (raw little-endian bytes), e.g. a layer's weight; float tensors as float32. */
  weight(name: string, t: Tensor): Value {
    const elem = t.isFloatingPoint ? 'float32' : elemOf(t.dtype);
    const c = t.detach().cpu().to(elem).contiguous().toTypedArray();
    const raw = new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
    return { name: this.#initializer(name, elem, t.shape, raw), dtype: elem, shape: t.shape };
  }

  /** A constant initializer: float32 or int64 values of shape `dims` (default: a vector; [] for a scalar). */
  constant(name: string, elem: ElemType, values: number[], dims: number[] = [values.length]): string {
    const data = elem === 'int64' ? BigInt64Array.from(values, (v) => BigInt(v)) : Float32Array.from(values);
    return this.#initializer(name, elem, dims, new Uint8Array(data.buffer));
  }

  #initializer(name: string, elem: ElemType, dims: number[], raw: Uint8Array): string {
    // Little-endian is ONNX's byte order for raw_data, and every platform Node runs on.
    const unique = this.fresh(name);
    this.#initializers.push({ name: unique, data_type: DATA_TYPE[elem], dims, raw_data: raw });
    return unique;
  }

  /** A node computing `op` of `inputs` ('' for an omitted optional input); its output, of type `out`, is named after `name`. */
  node(op: string, inputs: string[], name: string, out: Meta, attrs: Record<string, Attr> = {}): Value {
    const outName = this.fresh(name);
    this.#nodes.push({
      op_type: op,
      name: outName,
      input: inputs,
      output: [outName],
      attribute: Object.entries(attrs).map(([k, a]) => encodeAttr(k, a)),
    });
    return { name: outName, dtype: out.dtype, shape: out.shape };
  }

  /** Makes `v` the graph output `name`. */
  output(name: string, v: Value): void {
    this.#nodes.push({ op_type: 'Identity', name: this.#declared(name), input: [v.name], output: [name] });
    this.#outputs.push(valueInfo(name, elemOf(v.dtype), v.shape));
  }

  /** The ModelProto, as an object for onnx-proto.ts's encodeModel. */
  toModel(o: { name: string; doc: string; producerVersion: string; metadata: Record<string, string> }): Obj {
    return {
      ir_version: IR_VERSION,
      opset_import: [{ domain: '', version: OPSET }],
      producer_name: 'latentlab',
      producer_version: o.producerVersion,
      doc_string: o.doc,
      graph: {
        name: o.name,
        node: this.#nodes,
        initializer: this.#initializers,
        input: this.#inputs,
        output: this.#outputs,
      },
      metadata_props: Object.entries(o.metadata).map(([key, value]) => ({ key, value })),
    };
  }
}

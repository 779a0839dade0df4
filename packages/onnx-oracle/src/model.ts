/**
 * Builds ONNX model bytes (protobuf, via `onnx-proto`) from an {@link OracleGraph}.
 */
import onnxProto, { type onnx as Proto } from 'onnx-proto';
import {
  DEFAULT_OPSET,
  FLOAT_ATTRIBUTE_NAMES,
  type OracleAttribute,
  type OracleDType,
  type OracleGraph,
  type OracleTensor,
} from './types.js';

const { onnx } = onnxProto;
const AttrType = onnx.AttributeProto.AttributeType;
const DataType = onnx.TensorProto.DataType;

/** ONNX `TensorProto.DataType` code of each oracle dtype. */
export const ONNX_DATA_TYPE: Readonly<Record<OracleDType, number>> = {
  float32: DataType.FLOAT,
  int32: DataType.INT32,
  int64: DataType.INT64,
  bool: DataType.BOOL,
};

/** Typed-array constructor expected for each oracle dtype. */
const DATA_CTOR = {
  float32: Float32Array,
  int32: Int32Array,
  int64: BigInt64Array,
  bool: Uint8Array,
} as const;

/**
 * Checks that a tensor's data array matches its dtype and dims.
 *
 * @throws Error naming `what` when the array type or the element count is wrong.
 */
export function checkOracleTensor(t: OracleTensor, what: string): void {
  const ctor = DATA_CTOR[t.dtype];
  if (!ctor) throw new Error(`${what}: unsupported dtype "${String(t.dtype)}"`);
  if (!(t.data instanceof ctor)) {
    throw new Error(`${what}: dtype ${t.dtype} needs a ${ctor.name}, got ${t.data.constructor.name}`);
  }
  const count = t.dims.reduce((a, d) => a * d, 1);
  if (count !== t.data.length) {
    throw new Error(`${what}: dims [${t.dims.join(', ')}] have ${count} elements but data has ${t.data.length}`);
  }
}

/** Little-endian bytes of a typed array (the host is assumed little-endian, as ORT's CPU builds are). */
function rawBytes(data: OracleTensor['data']): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

function tensorProto(name: string, t: OracleTensor): Proto.ITensorProto {
  checkOracleTensor(t, `tensor "${name}"`);
  return { name, dims: t.dims, dataType: ONNX_DATA_TYPE[t.dtype], rawData: rawBytes(t.data) };
}

const utf8 = new TextEncoder();

/** Encodes one attribute (see {@link OracleAttribute} for how types are chosen). */
export function attributeProto(name: string, value: OracleAttribute): Proto.IAttributeProto {
  const floatName = FLOAT_ATTRIBUTE_NAMES.has(name);
  if (typeof value === 'number') {
    return Number.isInteger(value) && !floatName
      ? { name, type: AttrType.INT, i: value }
      : { name, type: AttrType.FLOAT, f: value };
  }
  if (typeof value === 'string') return { name, type: AttrType.STRING, s: utf8.encode(value) };
  if (value instanceof Float32Array) return { name, type: AttrType.FLOATS, floats: Array.from(value) };
  if (Array.isArray(value)) {
    if (value.every((v): v is string => typeof v === 'string') && value.length > 0) {
      return { name, type: AttrType.STRINGS, strings: value.map((s) => utf8.encode(s)) };
    }
    const nums = value as number[];
    if (nums.some((v) => typeof v !== 'number')) throw new Error(`attribute "${name}": mixed list ${JSON.stringify(value)}`);
    return floatName || nums.some((v) => !Number.isInteger(v))
      ? { name, type: AttrType.FLOATS, floats: nums }
      : { name, type: AttrType.INTS, ints: nums };
  }
  if ('float' in value) return { name, type: AttrType.FLOAT, f: value.float };
  if ('int' in value) return { name, type: AttrType.INT, i: value.int };
  if ('floats' in value) return { name, type: AttrType.FLOATS, floats: value.floats };
  if ('ints' in value) return { name, type: AttrType.INTS, ints: value.ints };
  if ('string' in value) return { name, type: AttrType.STRING, s: utf8.encode(value.string) };
  if ('strings' in value) return { name, type: AttrType.STRINGS, strings: value.strings.map((s) => utf8.encode(s)) };
  if ('tensor' in value) return { name, type: AttrType.TENSOR, t: tensorProto(name, value.tensor) };
  throw new Error(`attribute "${name}": unsupported value ${JSON.stringify(value)}`);
}

/** ONNX IR version old enough for ORT and new enough for the opset (IR 8 ↔ opset ≤ 18, 9 ↔ 19–20, 10 ↔ 21–22, 11 ↔ 23+). */
function irVersionFor(opset: number): number {
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

/**
 * Serializes a graph as an ONNX model (protobuf bytes). Inputs are declared with their
 * element type and rank but symbolic dims; outputs with no type (ORT infers them).
 *
 * @throws Error when a tensor's data do not match its dtype and dims, or an attribute
 *   cannot be encoded.
 */
export function buildOnnxModel(graph: OracleGraph): Uint8Array {
  const opset = graph.opset ?? DEFAULT_OPSET;
  const inputs = Object.entries(graph.inputs).map(([name, t]): Proto.IValueInfoProto => {
    checkOracleTensor(t, `input "${name}"`);
    return {
      name,
      type: {
        tensorType: {
          elemType: ONNX_DATA_TYPE[t.dtype],
          shape: { dim: t.dims.map((_, i) => ({ dimParam: `${name}_d${i}` })) },
        },
      },
    };
  });
  const model: Proto.IModelProto = {
    irVersion: irVersionFor(opset),
    producerName: '@heed/onnx-oracle',
    opsetImport: [
      { domain: '', version: opset },
      ...Object.entries(graph.domainOpsets ?? {}).map(([domain, version]) => ({ domain, version })),
    ],
    graph: {
      name: 'oracle',
      node: graph.nodes.map((n, i) => ({
        name: `n${i}_${n.opType}`,
        opType: n.opType,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attributeProto(k, v)),
      })),
      input: inputs,
      initializer: Object.entries(graph.initializers ?? {}).map(([name, t]) => tensorProto(name, t)),
      output: graph.outputs.map((name) => ({ name })),
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

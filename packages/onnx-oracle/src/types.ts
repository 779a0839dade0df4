/**
 * Plain data types exchanged with the oracle: tensors as typed arrays, attributes as JS
 * values, graphs as lists of nodes.
 */

/** Element types the oracle passes in and out. */
export type OracleDType = 'float32' | 'int32' | 'int64' | 'bool';

/** A dense, row-major tensor. `bool` data are bytes 0/1; `int64` data are BigInts. */
export interface OracleTensor {
  /** Element type. */
  dtype: OracleDType;
  /** Dimensions; `[]` for a scalar. */
  dims: number[];
  /** Elements, row-major; the array type follows `dtype`. */
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array;
}

/**
 * An explicitly typed attribute value, for when the plain form is ambiguous (e.g. an
 * integer-valued float: `{ float: 1 }`, or an empty list of ints: `{ ints: [] }`).
 */
export type OracleTypedAttribute =
  | { float: number }
  | { int: number }
  | { floats: number[] }
  | { ints: number[] }
  | { string: string }
  | { strings: string[] }
  | { tensor: OracleTensor };

/**
 * An ONNX node attribute, in plain JS:
 * - `number`: INT when it is an integer, FLOAT otherwise; but always FLOAT when the
 *   attribute's name is in {@link FLOAT_ATTRIBUTE_NAMES} (e.g. `epsilon`, `alpha`);
 * - `number[]`: INTS, or FLOATS when any element is not an integer or the name is in
 *   {@link FLOAT_ATTRIBUTE_NAMES};
 * - `Float32Array`: FLOATS; `string`: STRING; `string[]`: STRINGS;
 * - an {@link OracleTypedAttribute} to say the type outright.
 */
export type OracleAttribute = number | number[] | Float32Array | string | string[] | OracleTypedAttribute;

/**
 * Attribute names that are FLOAT/FLOATS in every standard ONNX operator that has them,
 * so an integer-valued number given for them is still sent as a float.
 */
export const FLOAT_ATTRIBUTE_NAMES: ReadonlySet<string> = new Set([
  'alpha', 'beta', 'gamma', 'epsilon', 'clip', 'bias', 'lambd', 'momentum', 'spatial_scale',
  'activation_alpha', 'activation_beta', 'scales', 'value_float', 'value_floats',
  'extrapolation_value', 'cubic_coeff_a',
]);

/** One node of a graph. Tensor names connect nodes; `''` marks an omitted optional input. */
export interface OracleNode {
  /** Operator type, e.g. `"MatMul"`. */
  opType: string;
  /** Input tensor names, in the operator's order; `''` for an omitted optional input. */
  inputs: string[];
  /** Output tensor names, in the operator's order; `''` for an unused optional output. */
  outputs: string[];
  /** Attributes by name. */
  attributes?: Record<string, OracleAttribute>;
  /** Operator domain; the default ONNX domain when omitted. */
  domain?: string;
}

/** A small graph to run: nodes, named inputs (fed at run time), constants, outputs. */
export interface OracleGraph {
  /** Nodes in topological order. */
  nodes: OracleNode[];
  /** Graph inputs by name, fed at run time. */
  inputs: Record<string, OracleTensor>;
  /** Constant tensors (ONNX initializers) by name. */
  initializers?: Record<string, OracleTensor>;
  /** Names of the tensors to return, in order. */
  outputs: string[];
  /** Default-domain opset version; {@link DEFAULT_OPSET} when omitted. */
  opset?: number;
  /** Opset versions of other domains used by the nodes, e.g. `{ 'com.microsoft': 1 }`. */
  domainOpsets?: Record<string, number>;
}

/** The default-domain opset used when none is given (LayerNormalization needs ≥ 17). */
export const DEFAULT_OPSET = 17;

/**
 * safetensors reading and writing on plain byte arrays (no file system, so it runs in
 * browsers too; see `safetensors-node.ts` for files).
 *
 * Format (https://github.com/huggingface/safetensors):
 * - 8 bytes: `N`, an unsigned little-endian 64-bit integer, the header length;
 * - `N` bytes: a UTF-8 JSON object `{name: {dtype, shape, data_offsets: [begin, end]},
 *   "__metadata__": {string: string}}`, padded with spaces;
 * - the data buffer; `data_offsets` are relative to its start, tensors are row-major and
 *   little-endian, and together they must cover the buffer exactly (no holes, no overlap).
 *
 * The writer follows the reference implementation (Rust, behind the Python package) byte
 * for byte: tensors are laid out in the buffer by descending dtype (the order of the
 * reference `Dtype` enum, which is by increasing alignment) and then by name (code-point
 * order); the header lists `__metadata__` first and then the tensors in buffer order,
 * as compact JSON padded with spaces to a multiple of 8 bytes.
 */
import { CheckpointError, DTypeError } from '../errors.js';

/**
 * Every dtype string of the safetensors format (v0.8), in the order of the reference
 * implementation's `Dtype` enum (increasing alignment), which the writer sorts by.
 */
export const SAFETENSORS_DTYPES = [
  'BOOL', 'F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0',
  'F8_E4M3FNUZ', 'F8_E5M2FNUZ', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'C64',
  'F64', 'I64', 'U64',
] as const;

/** A dtype string of the safetensors format, e.g. `"F32"`, `"BF16"`, `"I64"`. */
export type SafetensorsDType = (typeof SAFETENSORS_DTYPES)[number];

const DTYPE_BITS: ReadonlyMap<string, number> = new Map<SafetensorsDType, number>([
  ['BOOL', 8], ['F4', 4], ['F6_E2M3', 6], ['F6_E3M2', 6], ['U8', 8], ['I8', 8],
  ['F8_E5M2', 8], ['F8_E4M3', 8], ['F8_E8M0', 8], ['F8_E4M3FNUZ', 8], ['F8_E5M2FNUZ', 8],
  ['I16', 16], ['U16', 16], ['F16', 16], ['BF16', 16], ['I32', 32], ['U32', 32], ['F32', 32],
  ['C64', 64], ['F64', 64], ['I64', 64], ['U64', 64],
]);
const DTYPE_RANK: ReadonlyMap<string, number> = new Map(SAFETENSORS_DTYPES.map((d, i) => [d, i]));

/** Largest header accepted on read, as in the reference implementation (100 MB). */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

/** One tensor as stored: dtype, shape and its little-endian, row-major raw bytes. */
export interface RawTensor {
  /** The element type. */
  dtype: SafetensorsDType;
  /** The dimensions; `[]` for a scalar. */
  shape: number[];
  /** The raw bytes. After parsing this is a view into the parsed bytes, not a copy. */
  data: Uint8Array;
}

/** What a safetensors file holds. */
export interface SafetensorsContents {
  /** Tensors by name, in the order of their data in the file's buffer. */
  tensors: Map<string, RawTensor>;
  /** The free-form `__metadata__` map; `{}` when the file has none. */
  metadata: Record<string, string>;
}

/** Tells whether `s` is one of the format's dtype strings. */
export function isSafetensorsDType(s: unknown): s is SafetensorsDType {
  return typeof s === 'string' && DTYPE_BITS.has(s);
}

/** Bits per element of `dtype` (4 for `F4`, 6 for the `F6_*` types, else a multiple of 8). */
export function safetensorsDTypeBits(dtype: SafetensorsDType): number {
  const bits = DTYPE_BITS.get(dtype);
  if (bits === undefined) throw new DTypeError(`safetensors: unknown dtype "${String(dtype)}"`);
  return bits;
}

/**
 * Bytes taken by a tensor of `dtype` and `shape`, or a description of why it has none:
 * a dim that is not a non-negative safe integer, an element count past 2^53, or a
 * sub-byte dtype whose elements do not fill whole bytes.
 */
function expectedByteLength(dtype: SafetensorsDType, shape: readonly unknown[]): number | string {
  let count = 1;
  for (const [i, d] of shape.entries()) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      return `shape ${JSON.stringify(shape)} has dim ${i} = ${JSON.stringify(d)}, not a non-negative integer`;
    }
    count *= d;
    if (!Number.isSafeInteger(count)) return `shape ${JSON.stringify(shape)} has more than 2^53 elements`;
  }
  const bits = count * safetensorsDTypeBits(dtype);
  if (!Number.isSafeInteger(bits)) return `shape ${JSON.stringify(shape)} is too large for ${dtype}`;
  if (bits % 8 !== 0) return `${count} elements of ${dtype} do not fill a whole number of bytes`;
  return bits / 8;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(message: string): never {
  throw new CheckpointError(`safetensors: ${message}`);
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

interface Entry { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }

/** Validates one header entry (everything that does not depend on the other tensors). */
function parseEntry(name: string, info: unknown, bufferLength: number, dataStart: number): Entry {
  const where = `tensor "${name}"`;
  if (!isPlainObject(info)) fail(`${where}: header entry is ${JSON.stringify(info)}, not an object`);
  const { dtype, shape, data_offsets: offsets } = info;
  if (!isSafetensorsDType(dtype)) fail(`${where}: unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape)) fail(`${where}: shape ${JSON.stringify(shape)} is not an array`);
  if (
    !Array.isArray(offsets) || offsets.length !== 2 ||
    !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
  ) {
    fail(`${where}: data_offsets ${JSON.stringify(offsets)} is not two non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  const span = `data_offsets [${begin}, ${end}] (file bytes ${dataStart + begin}..${dataStart + end})`;
  if (begin > end) fail(`${where}: ${span} begin > end`);
  if (end > bufferLength) fail(`${where}: ${span} end is past the ${bufferLength}-byte data buffer`);
  const expected = expectedByteLength(dtype, shape);
  if (typeof expected === 'string') fail(`${where}: ${expected}`);
  if (end - begin !== expected) {
    fail(`${where}: ${span} holds ${end - begin} bytes but ${dtype} ${JSON.stringify(shape)} needs ${expected}`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

function parseMetadata(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) fail(`__metadata__ is ${JSON.stringify(value)}, not an object`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(`__metadata__ value of "${k}" is ${JSON.stringify(v)}, not a string`);
  }
  return Object.fromEntries(Object.entries(value)) as Record<string, string>;
}

/**
 * Parses a whole safetensors file held in memory and validates it completely.
 *
 * The tensors' `data` are views into `bytes` (no copy): keep `bytes` unmodified while
 * they are used, and copy them (or use the `rawTo*` helpers, which copy) to keep them.
 *
 * @throws CheckpointError naming the problem and, for a tensor, its name and byte
 *   offsets: a file shorter than 8 bytes; a header length past the end of the file or
 *   over {@link MAX_SAFETENSORS_HEADER_BYTES}; a header that is not UTF-8, not JSON or
 *   not an object; an unknown dtype; a shape that is not non-negative integers;
 *   `data_offsets` that are not two integers, begin > end, end past the buffer; a byte
 *   count other than the element count times the dtype size; tensors that overlap or
 *   leave a gap or trailing bytes in the buffer; metadata values that are not strings.
 */
export function parseSafetensors(input: Uint8Array): SafetensorsContents {
  // A plain Uint8Array, so the tensors' views are too (even when given a Node Buffer).
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.byteLength < 8) {
    fail(`file is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  }
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    fail(`header length ${n64} is larger than the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit`);
  }
  const n = Number(n64);
  const dataStart = 8 + n;
  if (dataStart > bytes.byteLength) {
    fail(`header length ${n} (bytes 8..${dataStart}) runs past the end of the ${bytes.byteLength}-byte file`);
  }
  let text: string;
  try {
    text = utf8Decoder.decode(bytes.subarray(8, dataStart));
  } catch {
    fail(`header (bytes 8..${dataStart}) is not valid UTF-8`);
  }
  if (!text.startsWith('{')) fail(`header (bytes 8..${dataStart}) does not start with "{"`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header (bytes 8..${dataStart}) is not valid JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(header)) fail(`header (bytes 8..${dataStart}) is not a JSON object`);

  const bufferLength = bytes.byteLength - dataStart;
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') metadata = parseMetadata(info);
    else entries.push(parseEntry(name, info, bufferLength, dataStart));
  }

  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | undefined;
  const tensors = new Map<string, RawTensor>();
  for (const e of entries) {
    if (e.begin > covered) {
      fail(
        `data buffer bytes ${covered}..${e.begin} (file bytes ${dataStart + covered}..${dataStart + e.begin}) ` +
          `are not covered by any tensor (gap before tensor "${e.name}" at data_offsets [${e.begin}, ${e.end}])`,
      );
    }
    if (e.begin < covered && previous) {
      fail(
        `tensor "${e.name}" at data_offsets [${e.begin}, ${e.end}] overlaps tensor "${previous.name}" ` +
          `at data_offsets [${previous.begin}, ${previous.end}]`,
      );
    }
    covered = e.end;
    previous = e;
    const data = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  if (covered !== bufferLength) {
    fail(
      `data buffer bytes ${covered}..${bufferLength} (file bytes ${dataStart + covered}..${bytes.byteLength}) ` +
        `are not covered by any tensor (trailing bytes)`,
    );
  }
  return { tensors, metadata };
}

/** Compares two strings by Unicode code points, i.e. as their UTF-8 bytes (Rust's `str` order). */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return (x.done ? 0 : 1) - (y.done ? 0 : 1);
    const d = (x.value.codePointAt(0) ?? 0) - (y.value.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
}

/** A file's bytes in pieces, so that a writer need not concatenate the tensors' data. */
export interface SafetensorsParts {
  /** The 8-byte header length followed by the padded JSON header. */
  header: Uint8Array;
  /** The tensors' data, in buffer order, to write after `header`. */
  chunks: Uint8Array[];
  /** Total length of the file: `header` plus every chunk. */
  byteLength: number;
}

/**
 * Lays out tensors as a safetensors file without copying their data (see the module
 * comment for the order); {@link serializeSafetensors} concatenates the result.
 *
 * @throws CheckpointError when a tensor is named `__metadata__`, has an unknown dtype or
 *   a bad shape, or its `data` length differs from what its dtype and shape need; or when
 *   a metadata value is not a string.
 */
export function encodeSafetensorsParts(
  tensors: Record<string, RawTensor> | Map<string, RawTensor>,
  metadata?: Record<string, string>,
): SafetensorsParts {
  const list = [...(tensors instanceof Map ? tensors.entries() : Object.entries(tensors))];
  for (const [name, t] of list) {
    if (name === '__metadata__') fail('cannot write a tensor named "__metadata__" (reserved key)');
    if (!isSafetensorsDType(t.dtype)) fail(`cannot write tensor "${name}": unknown dtype ${JSON.stringify(t.dtype)}`);
    const expected = expectedByteLength(t.dtype, t.shape);
    if (typeof expected === 'string') fail(`cannot write tensor "${name}": ${expected}`);
    if (t.data.byteLength !== expected) {
      fail(
        `cannot write tensor "${name}": ${t.dtype} ${JSON.stringify(t.shape)} needs ${expected} bytes ` +
          `but data has ${t.data.byteLength}`,
      );
    }
  }
  list.sort(
    ([na, a], [nb, b]) => (DTYPE_RANK.get(b.dtype) ?? 0) - (DTYPE_RANK.get(a.dtype) ?? 0) || compareCodePoints(na, nb),
  );

  const fields: string[] = [];
  const metaEntries = Object.entries(metadata ?? {});
  if (metaEntries.length > 0) {
    for (const [k, v] of metaEntries) {
      if (typeof v !== 'string') fail(`__metadata__ value of "${k}" is ${JSON.stringify(v)}, not a string`);
    }
    const body = metaEntries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',');
    fields.push(`"__metadata__":{${body}}`);
  }
  let offset = 0;
  for (const [name, t] of list) {
    const end = offset + t.data.byteLength;
    fields.push(
      `${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":${JSON.stringify(t.shape)},"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = utf8Encoder.encode(`{${fields.join(',')}}`);
  const padded = json.byteLength + ((8 - (json.byteLength % 8)) % 8);
  const header = new Uint8Array(8 + padded).fill(0x20);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  return { header, chunks: list.map(([, t]) => t.data), byteLength: header.byteLength + offset };
}

/**
 * Serializes tensors (and optional string metadata) to the bytes of a safetensors file,
 * in the reference implementation's layout. `metadata` is omitted from the header when
 * undefined or empty.
 *
 * @throws CheckpointError as {@link encodeSafetensorsParts} does.
 */
export function serializeSafetensors(
  tensors: Record<string, RawTensor> | Map<string, RawTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const parts = encodeSafetensorsParts(tensors, metadata);
  const out = new Uint8Array(parts.byteLength);
  out.set(parts.header, 0);
  let at = parts.header.byteLength;
  for (const c of parts.chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Conversions between raw tensors and JS typed arrays. Every `rawTo*` returns a fresh
// array (never a view of the file); every `*ToRaw` copies its input.
// ---------------------------------------------------------------------------------------

// Typed-array conversions live in their own file; re-exported so users import one module.
export * from './safetensors-convert.js';

/**
 * Conversions between safetensors' raw little-endian bytes and JS typed arrays,
 * including the half-precision formats (F16, BF16) that JS has no array type for.
 */
import { CheckpointError, DTypeError, ShapeError } from '../errors.js';
import type { RawTensor } from './safetensors.js';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A copy in a fresh buffer (`slice` is not used: on a Node `Buffer` it returns a view). */
function copyBytes(data: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(data.byteLength);
  copy.set(data);
  return copy;
}

/** Copies `data` into a new, aligned buffer, in host byte order for `width`-byte elements. */
function copyHostOrder(data: Uint8Array, width: number): ArrayBuffer {
  const copy = copyBytes(data);
  if (!LITTLE_ENDIAN && width > 1) {
    for (let i = 0; i < copy.length; i += width) copy.subarray(i, i + width).reverse();
  }
  return copy.buffer;
}

/** Copies host-order bytes of a typed array to little-endian bytes. */
function toLittleEndianBytes(view: ArrayBufferView, width: number): Uint8Array {
  const copy = copyBytes(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  if (!LITTLE_ENDIAN && width > 1) {
    for (let i = 0; i < copy.length; i += width) copy.subarray(i, i + width).reverse();
  }
  return copy;
}


function elementCount(shape: readonly number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ShapeError(`${what}: shape ${JSON.stringify(shape)} has a bad dim ${d}`);
    n *= d;
  }
  return n;
}

function checkLength(length: number, shape: readonly number[], what: string): void {
  const n = elementCount(shape, what);
  if (n !== length) {
    throw new ShapeError(`${what}: shape ${JSON.stringify(shape)} has ${n} elements but data has ${length}`);
  }
}

let f16Table: Float32Array | undefined;

/** Decodes one IEEE 754 binary16 value given by its 16 bits. */
export function float16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant !== 0 ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/**
 * Encodes a number as IEEE 754 binary16 bits, rounding to nearest, ties to even (as
 * numpy and PyTorch do): values past 65504 become ±Infinity, tiny values subnormals or ±0,
 * NaN a quiet NaN.
 */
export function numberToFloat16Bits(value: number): number {
  scratchF32[0] = value;
  const b = scratchU32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rem = mant & ((1 << shift) - 1);
    let r = mant >>> shift;
    if (rem > half || (rem === half && (r & 1) === 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (r & 1) === 1)) r++;
  return sign | r;
}

/** Decodes one bfloat16 value given by its 16 bits (exact: the top half of a float32). */
export function bfloat16BitsToNumber(bits: number): number {
  scratchU32[0] = (bits & 0xffff) << 16;
  return scratchF32[0]!;
}

/** Encodes a number as bfloat16 bits, rounding to nearest, ties to even; NaN stays a quiet NaN. */
export function numberToBfloat16Bits(value: number): number {
  scratchF32[0] = value;
  const b = scratchU32[0]!;
  if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) return (b >>> 16) | 0x40;
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

/**
 * Reads a floating-point tensor as a new `Float32Array`: F32 is copied, F16 and BF16
 * are decoded exactly, F64 is rounded to float32.
 *
 * @throws DTypeError for any other dtype.
 */
export function rawToFloat32(raw: RawTensor): Float32Array {
  switch (raw.dtype) {
    case 'F32':
      return new Float32Array(copyHostOrder(raw.data, 4));
    case 'F64':
      return Float32Array.from(new Float64Array(copyHostOrder(raw.data, 8)));
    case 'F16': {
      if (!f16Table) {
        f16Table = new Float32Array(65536);
        for (let i = 0; i < 65536; i++) f16Table[i] = float16BitsToNumber(i);
      }
      const table = f16Table;
      const bits = new Uint16Array(copyHostOrder(raw.data, 2));
      const out = new Float32Array(bits.length);
      for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]!]!;
      return out;
    }
    case 'BF16': {
      const bits = new Uint16Array(copyHostOrder(raw.data, 2));
      const out = new Float32Array(bits.length);
      const outBits = new Uint32Array(out.buffer);
      for (let i = 0; i < bits.length; i++) outBits[i] = bits[i]! << 16;
      return out;
    }
    default:
      throw new DTypeError(`rawToFloat32: expected F32, F16, BF16 or F64, got ${raw.dtype}`);
  }
}

/**
 * Reads an integer tensor as a new `Int32Array`: I32 is copied; I64 is narrowed after a
 * range check.
 *
 * @param name - Used in error messages (e.g. the tensor's name in the checkpoint).
 * @throws DTypeError for any other dtype.
 * @throws CheckpointError when an I64 element is outside the int32 range.
 */
export function rawToInt32(raw: RawTensor, name = 'tensor'): Int32Array {
  if (raw.dtype === 'I32') return new Int32Array(copyHostOrder(raw.data, 4));
  if (raw.dtype !== 'I64') throw new DTypeError(`rawToInt32: expected I32 or I64, got ${raw.dtype}`);
  const view = new DataView(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
  const out = new Int32Array(raw.data.byteLength / 8);
  for (let i = 0; i < out.length; i++) {
    const lo = view.getInt32(i * 8, true);
    const hi = view.getInt32(i * 8 + 4, true);
    if (hi !== lo >> 31) {
      throw new CheckpointError(
        `rawToInt32: "${name}" element ${i} = ${view.getBigInt64(i * 8, true)} is outside the int32 range`,
      );
    }
    out[i] = lo;
  }
  return out;
}

/**
 * Reads a U8 or BOOL tensor as a new `Uint8Array`.
 *
 * @param name - Used in error messages.
 * @throws DTypeError for any other dtype.
 * @throws CheckpointError when a BOOL byte is neither 0 nor 1.
 */
export function rawToUint8(raw: RawTensor, name = 'tensor'): Uint8Array {
  if (raw.dtype !== 'U8' && raw.dtype !== 'BOOL') {
    throw new DTypeError(`rawToUint8: expected U8 or BOOL, got ${raw.dtype}`);
  }
  const out = copyBytes(raw.data);
  if (raw.dtype === 'BOOL') {
    const bad = out.findIndex((v) => v > 1);
    if (bad >= 0) throw new CheckpointError(`rawToUint8: "${name}" BOOL element ${bad} is ${out[bad]}, not 0 or 1`);
  }
  return out;
}

/**
 * Makes a raw tensor from float32 values, stored as F32 (copied) or encoded to F16 or
 * BF16 (round to nearest, ties to even).
 *
 * @throws ShapeError when `shape` does not have `data.length` elements.
 */
export function float32ToRaw(
  data: Float32Array,
  shape: readonly number[],
  dtype: 'F32' | 'F16' | 'BF16' = 'F32',
): RawTensor {
  checkLength(data.length, shape, 'float32ToRaw');
  if (dtype === 'F32') return { dtype, shape: [...shape], data: toLittleEndianBytes(data, 4) };
  const encode = dtype === 'F16' ? numberToFloat16Bits : numberToBfloat16Bits;
  const bits = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) bits[i] = encode(data[i]!);
  return { dtype, shape: [...shape], data: toLittleEndianBytes(bits, 2) };
}

/**
 * Makes a raw tensor from int32 values, stored as I32 (copied) or widened to I64.
 *
 * @throws ShapeError when `shape` does not have `data.length` elements.
 */
export function int32ToRaw(data: Int32Array, shape: readonly number[], dtype: 'I32' | 'I64' = 'I32'): RawTensor {
  checkLength(data.length, shape, 'int32ToRaw');
  if (dtype === 'I32') return { dtype, shape: [...shape], data: toLittleEndianBytes(data, 4) };
  const bytes = new Uint8Array(data.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, BigInt(data[i]!), true);
  return { dtype, shape: [...shape], data: bytes };
}

/**
 * Makes a U8 or BOOL raw tensor from bytes (copied).
 *
 * @throws ShapeError when `shape` does not have `data.length` elements.
 * @throws DTypeError when `dtype` is BOOL and a byte is neither 0 nor 1.
 */
export function uint8ToRaw(data: Uint8Array, shape: readonly number[], dtype: 'U8' | 'BOOL' = 'U8'): RawTensor {
  checkLength(data.length, shape, 'uint8ToRaw');
  if (dtype === 'BOOL' && data.some((v) => v > 1)) throw new DTypeError('uint8ToRaw: BOOL data must be 0 or 1');
  return { dtype, shape: [...shape], data: copyBytes(data) };
}

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError, DTypeError, ShapeError } from '../errors.js';
import {
  bfloat16BitsToNumber,
  float16BitsToNumber,
  float32ToRaw,
  int32ToRaw,
  numberToBfloat16Bits,
  numberToFloat16Bits,
  parseSafetensors,
  rawToFloat32,
  rawToInt32,
  rawToUint8,
  SAFETENSORS_DTYPES,
  safetensorsDTypeBits,
  serializeSafetensors,
  uint8ToRaw,
  type RawTensor,
  type SafetensorsDType,
} from './safetensors.js';
import { readSafetensorsFile, writeSafetensorsFile } from './safetensors-node.js';

const enc = new TextEncoder();

/** Builds file bytes by hand: u64 LE length, the header text as given, then the buffer. */
function fileBytes(header: string, buffer: ArrayLike<number> = [], n?: number): Uint8Array {
  const h = enc.encode(header);
  const out = new Uint8Array(8 + h.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(n ?? h.length), true);
  out.set(h, 8);
  out.set(Array.from(buffer), 8 + h.length);
  return out;
}

function f32Bytes(values: number[]): number[] {
  return Array.from(new Uint8Array(new Float32Array(values).buffer));
}

function expectCheckpointError(fn: () => unknown, ...fragments: (string | RegExp)[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(CheckpointError);
  for (const f of fragments) expect((caught as Error).message).toMatch(f);
}

describe('serializeSafetensors matches the reference implementation byte for byte', () => {
  // These layouts are those the reference implementation's own tests pin down.
  it('one F32 tensor, header already a multiple of 8 (no padding)', () => {
    const data = new Uint8Array(f32Bytes([0, 1, 2, 3, 4, 5]));
    const out = serializeSafetensors({ 'attn.0': { dtype: 'F32', shape: [1, 2, 3], data } });
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(header.length).toBe(64);
    expect(Array.from(out.subarray(0, 8))).toEqual([64, 0, 0, 0, 0, 0, 0, 0]);
    expect(out).toEqual(fileBytes(header, data));
    expect(Array.from(out.subarray(72))).toEqual([
      0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ]);
  });

  it('pads the header with spaces to a multiple of 8', () => {
    const data = new Uint8Array(f32Bytes([0, 1, 2, 3, 4, 5]));
    const out = serializeSafetensors({ attn0: { dtype: 'F32', shape: [1, 1, 2, 3], data } });
    const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    expect(header.length).toBe(65);
    expect(out).toEqual(fileBytes(header + ' '.repeat(7), data));
    expect(out[0]).toBe(72);
  });

  it('no tensors, with and without metadata', () => {
    expect(Array.from(serializeSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    const out = serializeSafetensors({}, { framework: 'pt' });
    expect(out).toEqual(fileBytes('{"__metadata__":{"framework":"pt"}}' + ' '.repeat(5)));
    expect(out[0]).toBe(40);
  });

  it('orders tensors by descending dtype alignment, then by name', () => {
    const t = (dtype: SafetensorsDType, n: number): RawTensor => ({ dtype, shape: [n], data: new Uint8Array(n * safetensorsDTypeBits(dtype) / 8).fill(n) });
    const out = serializeSafetensors(new Map([['a', t('U8', 1)], ['c', t('F32', 1)], ['b', t('F32', 2)], ['z', t('I64', 1)], ['h', t('F16', 1)]]));
    const header =
      '{"z":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},' +
      '"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
      '"c":{"dtype":"F32","shape":[1],"data_offsets":[16,20]},' +
      '"h":{"dtype":"F16","shape":[1],"data_offsets":[20,22]},' +
      '"a":{"dtype":"U8","shape":[1],"data_offsets":[22,23]}}';
    const pad = ' '.repeat((8 - (header.length % 8)) % 8);
    const buffer = [...new Array(8).fill(1), ...new Array(8).fill(2), ...new Array(4).fill(1), 1, 1, 1];
    expect(out).toEqual(fileBytes(header + pad, buffer));
  });
});

describe('parseSafetensors', () => {
  it('reads a hand-built file, with tensors as views into the input', () => {
    const header = '{"b":{"dtype":"I32","shape":[2],"data_offsets":[4,12]},"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}';
    const bytes = fileBytes(header, [...f32Bytes([1.5]), 7, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    const { tensors, metadata } = parseSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()]).toEqual(['a', 'b']);
    const a = tensors.get('a')!;
    expect(a.shape).toEqual([]);
    expect(Array.from(rawToFloat32(a))).toEqual([1.5]);
    expect(Array.from(rawToInt32(tensors.get('b')!))).toEqual([7, -1]);
    expect(a.data.buffer).toBe(bytes.buffer);
    expect(a.data.byteOffset).toBe(8 + header.length);
  });

  it('accepts a Node Buffer and returns plain Uint8Array views', () => {
    const bytes = Buffer.from(serializeSafetensors({ x: uint8ToRaw(new Uint8Array([1, 2]), [2]) }));
    const x = parseSafetensors(bytes).tensors.get('x')!;
    expect(x.data.constructor).toBe(Uint8Array);
    expect(Array.from(x.data)).toEqual([1, 2]);
  });
});

describe('round trips', () => {
  it('every dtype of the format, including sub-byte ones', () => {
    const tensors = new Map<string, RawTensor>();
    for (const [i, dtype] of SAFETENSORS_DTYPES.entries()) {
      const shape = [2, 4];
      const bytes = (8 * safetensorsDTypeBits(dtype)) / 8;
      tensors.set(`t.${dtype}`, { dtype, shape, data: Uint8Array.from({ length: bytes }, (_, k) => (i * 31 + k) & 0xff) });
    }
    const back = parseSafetensors(serializeSafetensors(tensors)).tensors;
    expect(back.size).toBe(SAFETENSORS_DTYPES.length);
    for (const [name, t] of tensors) {
      expect(back.get(name)!.dtype).toBe(t.dtype);
      expect(back.get(name)!.shape).toEqual(t.shape);
      expect(back.get(name)!.data).toEqual(t.data);
    }
  });

  it('0-d scalars, size-0 tensors, metadata and unusual names', () => {
    const tensors: Record<string, RawTensor> = {
      scalar: float32ToRaw(new Float32Array([3.25]), []),
      empty: float32ToRaw(new Float32Array(0), [0, 5]),
      emptyInt: int32ToRaw(new Int32Array(0), [3, 0], 'I64'),
      'ünï/cödé 🙂': int32ToRaw(new Int32Array([-5]), [1]),
    };
    // An object literal's `__proto__:` sets the prototype; define the own key instead.
    Object.defineProperty(tensors, '__proto__', { value: uint8ToRaw(new Uint8Array([1, 0]), [2], 'BOOL'), enumerable: true });
    const metadata = { format: 'pt', 'quote"and\\slash': 'new\nline', __proto__x: 'é' };
    const { tensors: back, metadata: meta } = parseSafetensors(serializeSafetensors(tensors, metadata));
    expect(meta).toEqual(metadata);
    expect(back.size).toBe(5);
    expect(Array.from(rawToFloat32(back.get('scalar')!))).toEqual([3.25]);
    expect(back.get('scalar')!.shape).toEqual([]);
    expect(back.get('empty')!.shape).toEqual([0, 5]);
    expect(back.get('empty')!.data.byteLength).toBe(0);
    expect(back.get('emptyInt')!.dtype).toBe('I64');
    expect(Array.from(rawToInt32(back.get('ünï/cödé 🙂')!))).toEqual([-5]);
    expect(Array.from(rawToUint8(back.get('__proto__')!))).toEqual([1, 0]);
  });
});

describe('malformed files throw CheckpointError naming the problem', () => {
  const ok = (dtype = 'F32', shape = '[1]', offsets = '[0,4]') => `{"dtype":"${dtype}","shape":${shape},"data_offsets":${offsets}}`;

  it('file shorter than 8 bytes', () => {
    expectCheckpointError(() => parseSafetensors(new Uint8Array(5)), /5 bytes, shorter than the 8-byte/);
  });
  it('header length past the end of the file', () => {
    expectCheckpointError(() => parseSafetensors(fileBytes('{}', [], 100)), /header length 100 \(bytes 8\.\.108\) runs past the end of the 10-byte file/);
  });
  it('absurdly large header length', () => {
    expectCheckpointError(() => parseSafetensors(fileBytes('{}', [], 2 ** 40)), /header length 1099511627776 is larger than/);
  });
  it('header not UTF-8, not JSON, not an object', () => {
    const bad = fileBytes('{"a":1}');
    bad[10] = 0xff;
    expectCheckpointError(() => parseSafetensors(bad), /not valid UTF-8/);
    expectCheckpointError(() => parseSafetensors(fileBytes('{"a": ')), /not valid JSON/);
    expectCheckpointError(() => parseSafetensors(fileBytes('[1, 2]')), /does not start with "\{"/);
    expectCheckpointError(() => parseSafetensors(fileBytes('{"a": 1}')), /tensor "a": header entry is 1, not an object/);
  });
  it('unknown dtype', () => {
    expectCheckpointError(() => parseSafetensors(fileBytes(`{"w":${ok('F7')}}`, [0, 0, 0, 0])), /tensor "w": unknown dtype "F7"/);
    expectCheckpointError(() => parseSafetensors(fileBytes(`{"w":${ok('float32')}}`, [0, 0, 0, 0])), /unknown dtype "float32"/);
  });
  it('data_offsets not two non-negative integers', () => {
    for (const offsets of ['[0]', '[0,4,8]', '[0,4.5]', '["0",4]', '[-1,3]', '"0,4"', 'null']) {
      expectCheckpointError(
        () => parseSafetensors(fileBytes(`{"w":${ok('F32', '[1]', offsets)}}`, [0, 0, 0, 0])),
        'tensor "w": data_offsets',
        /not two non-negative integers/,
      );
    }
  });
  it('begin > end', () => {
    expectCheckpointError(() => parseSafetensors(fileBytes(`{"w":${ok('F32', '[0]', '[4,0]')}}`, [0, 0, 0, 0])), /tensor "w": data_offsets \[4, 0\] \(file bytes \d+\.\.\d+\) begin > end/);
  });
  it('end past the buffer', () => {
    const h = `{"w":${ok('F32', '[2]', '[0,8]')}}`;
    expectCheckpointError(() => parseSafetensors(fileBytes(h, [0, 0, 0, 0])), `tensor "w": data_offsets [0, 8] (file bytes ${8 + h.length}..${16 + h.length}) end is past the 4-byte data buffer`);
  });
  it('byte count differs from product(shape) × dtype size', () => {
    expectCheckpointError(() => parseSafetensors(fileBytes(`{"w":${ok('F32', '[2,3]', '[0,20]')}}`, new Array(20).fill(0))), /tensor "w": data_offsets \[0, 20\].* holds 20 bytes but F32 \[2,3\] needs 24/);
    expectCheckpointError(() => parseSafetensors(fileBytes(`{"w":${ok('F4', '[3]', '[0,1]')}}`, [0])), /3 elements of F4 do not fill a whole number of bytes/);
  });
  it('non-integer or negative dims', () => {
    expectCheckpointError(() => parseSafetensors(fileBytes(`{"w":${ok('F32', '[-1]', '[0,4]')}}`, [0, 0, 0, 0])), /tensor "w": shape \[-1\] has dim 0 = -1/);
    expectCheckpointError(() => parseSafetensors(fileBytes(`{"w":${ok('F32', '[1,1.5]', '[0,4]')}}`, [0, 0, 0, 0])), /dim 1 = 1.5, not a non-negative integer/);
    expectCheckpointError(() => parseSafetensors(fileBytes(`{"w":${ok('F32', '"1"', '[0,4]')}}`, [0, 0, 0, 0])), /shape "1" is not an array/);
  });
  it('overlapping tensors', () => {
    const h = `{"a":${ok('F32', '[2]', '[0,8]')},"b":${ok('F32', '[1]', '[4,8]')}}`;
    expectCheckpointError(() => parseSafetensors(fileBytes(h, new Array(8).fill(0))), /tensor "b" at data_offsets \[4, 8\] overlaps tensor "a" at data_offsets \[0, 8\]/);
  });
  it('gaps: at the start, between tensors, and trailing bytes', () => {
    expectCheckpointError(() => parseSafetensors(fileBytes(`{"a":${ok('F32', '[1]', '[4,8]')}}`, new Array(8).fill(0))), /data buffer bytes 0\.\.4 .* not covered by any tensor \(gap before tensor "a"/);
    const mid = `{"a":${ok('F32', '[1]', '[0,4]')},"b":${ok('F32', '[1]', '[8,12]')}}`;
    expectCheckpointError(() => parseSafetensors(fileBytes(mid, new Array(12).fill(0))), /data buffer bytes 4\.\.8 .*\(gap before tensor "b" at data_offsets \[8, 12\]/);
    expectCheckpointError(() => parseSafetensors(fileBytes(`{"a":${ok()}}`, new Array(6).fill(0))), /data buffer bytes 4\.\.6 .* \(trailing bytes\)/);
    expectCheckpointError(() => parseSafetensors(fileBytes('{}', [1])), /data buffer bytes 0\.\.1 .* \(trailing bytes\)/);
  });
  it('metadata that is not a map of strings', () => {
    expectCheckpointError(() => parseSafetensors(fileBytes('{"__metadata__":{"epoch":3}}')), /__metadata__ value of "epoch" is 3, not a string/);
    expectCheckpointError(() => parseSafetensors(fileBytes('{"__metadata__":["a"]}')), /__metadata__ is \["a"\], not an object/);
  });
  it('the writer refuses inconsistent tensors', () => {
    expectCheckpointError(() => serializeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Uint8Array(8) } }), /tensor "w": F32 \[3\] needs 12 bytes but data has 8/);
    expectCheckpointError(() => serializeSafetensors({ w: { dtype: 'X' as SafetensorsDType, shape: [], data: new Uint8Array(1) } }), /unknown dtype "X"/);
    expectCheckpointError(() => serializeSafetensors({ __metadata__: float32ToRaw(new Float32Array(1), [1]) }), /reserved/);
    expectCheckpointError(() => serializeSafetensors({}, { a: 1 as unknown as string }), /value of "a" is 1/);
  });
});

describe('typed-array conversions', () => {
  it('float16 and bfloat16 encode and decode known values', () => {
    const f16: [number, number][] = [[1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [2 ** -24, 0x0001], [2 ** -14, 0x0400], [0.5, 0x3800], [Infinity, 0x7c00], [0, 0]];
    for (const [v, bits] of f16) {
      expect(numberToFloat16Bits(v)).toBe(bits);
      expect(float16BitsToNumber(bits)).toBe(v);
    }
    expect(numberToFloat16Bits(0.1)).toBe(0x2e66);
    expect(numberToFloat16Bits(65520)).toBe(0x7c00); // rounds up past the largest finite
    expect(numberToFloat16Bits(2 ** -25)).toBe(0); // halfway to the smallest subnormal: ties to even
    expect(numberToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie, even stays
    expect(numberToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, odd rounds up
    expect(Number.isNaN(float16BitsToNumber(numberToFloat16Bits(NaN)))).toBe(true);
    expect(numberToBfloat16Bits(1)).toBe(0x3f80);
    expect(numberToBfloat16Bits(-3.140625)).toBe(0xc049);
    expect(numberToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie, even
    expect(numberToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie, odd up
    expect(bfloat16BitsToNumber(0x4049)).toBe(3.140625);
    expect(Number.isNaN(bfloat16BitsToNumber(numberToBfloat16Bits(NaN)))).toBe(true);
  });

  it('F16/BF16/F64 tensors decode to Float32Array', () => {
    const values = new Float32Array([0, 1, -2.5, 1024, 0.099975586]);
    for (const dtype of ['F16', 'BF16'] as const) {
      const raw = float32ToRaw(values, [5], dtype);
      expect(raw.data.byteLength).toBe(10);
      const back = rawToFloat32(parseSafetensors(serializeSafetensors({ x: raw })).tensors.get('x')!);
      for (let i = 0; i < values.length; i++) expect(back[i]).toBeCloseTo(values[i]!, dtype === 'F16' ? 4 : 2);
    }
    expect(Array.from(float32ToRaw(new Float32Array([1, -2]), [2], 'F16').data)).toEqual([0x00, 0x3c, 0x00, 0xc0]);
    const f64: RawTensor = { dtype: 'F64', shape: [2], data: new Uint8Array(new Float64Array([0.1, -7]).buffer) };
    expect(Array.from(rawToFloat32(f64))).toEqual([Math.fround(0.1), -7]);
    expect(() => rawToFloat32(int32ToRaw(new Int32Array(1), [1]))).toThrow(DTypeError);
  });

  it('I64 narrows to Int32Array only within range', () => {
    const raw = int32ToRaw(new Int32Array([0, -1, 2147483647, -2147483648]), [2, 2], 'I64');
    expect(Array.from(raw.data.subarray(8, 16))).toEqual(new Array(8).fill(0xff));
    expect(Array.from(rawToInt32(raw))).toEqual([0, -1, 2147483647, -2147483648]);
    const big = new Uint8Array(16);
    new DataView(big.buffer).setBigInt64(8, 2147483648n, true);
    expectCheckpointError(() => rawToInt32({ dtype: 'I64', shape: [2], data: big }, 'position_ids'), /"position_ids" element 1 = 2147483648 is outside the int32 range/);
    new DataView(big.buffer).setBigInt64(8, -2147483649n, true);
    expectCheckpointError(() => rawToInt32({ dtype: 'I64', shape: [2], data: big }), /-2147483649/);
  });

  it('U8/BOOL copy, validate and check shapes', () => {
    const raw = uint8ToRaw(new Uint8Array([1, 0, 1]), [3], 'BOOL');
    expect(rawToUint8(raw)).toEqual(new Uint8Array([1, 0, 1]));
    expect(rawToUint8(raw)).not.toBe(raw.data);
    expectCheckpointError(() => rawToUint8({ dtype: 'BOOL', shape: [1], data: new Uint8Array([2]) }), /BOOL element 0 is 2/);
    expect(() => uint8ToRaw(new Uint8Array([2]), [1], 'BOOL')).toThrow(DTypeError);
    expect(() => float32ToRaw(new Float32Array(4), [3])).toThrow(ShapeError);
    expect(() => rawToUint8(float32ToRaw(new Float32Array(1), [1]))).toThrow(DTypeError);
  });
});

describe('files (Node)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'heed-safetensors-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes and reads back a file, replacing an existing one; no temp file left', async () => {
    const path = join(dir, 'model.safetensors');
    await writeFile(path, 'old contents');
    const w = float32ToRaw(new Float32Array([1, 2, 3, 4]), [2, 2]);
    await writeSafetensorsFile(path, { w }, { step: '7' });
    const { tensors, metadata } = await readSafetensorsFile(path);
    expect(metadata).toEqual({ step: '7' });
    expect(Array.from(rawToFloat32(tensors.get('w')!))).toEqual([1, 2, 3, 4]);
    expect(new Uint8Array(await readFile(path))).toEqual(serializeSafetensors({ w }, { step: '7' }));
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('a failure mid-write leaves the previous file intact and removes the temp file', async () => {
    const path = join(dir, 'model.safetensors');
    await writeSafetensorsFile(path, { w: float32ToRaw(new Float32Array([1]), [1]) });
    const before = await readFile(path);
    let calls = 0;
    let tempSeen = '';
    const failing = async (file: import('node:fs/promises').FileHandle, chunk: Uint8Array): Promise<void> => {
      calls++;
      tempSeen = (await readdir(dir)).find((f) => f !== 'model.safetensors') ?? '';
      if (calls === 2) throw new Error('disk full (simulated)');
      await file.write(chunk);
    };
    const next = { a: float32ToRaw(new Float32Array([5, 6]), [2]), b: float32ToRaw(new Float32Array([7]), [1]) };
    await expect(writeSafetensorsFile(path, next, undefined, { writeChunk: failing })).rejects.toThrow('disk full (simulated)');
    expect(calls).toBe(2);
    expect(tempSeen).toMatch(/^model\.safetensors\.tmp-[0-9a-f]+$/);
    expect(await readFile(path)).toEqual(before);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('invalid tensors fail before any file is touched', async () => {
    const path = join(dir, 'model.safetensors');
    await writeFile(path, 'keep me');
    const bad = { w: { dtype: 'F32' as const, shape: [2], data: new Uint8Array(3) } };
    await expect(writeSafetensorsFile(path, bad)).rejects.toBeInstanceOf(CheckpointError);
    const throwing = { get w(): RawTensor { throw new Error('tensor read failed'); } };
    await expect(writeSafetensorsFile(path, throwing)).rejects.toThrow('tensor read failed');
    expect(await readFile(path, 'utf8')).toBe('keep me');
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('reading a malformed file names the path; a missing file is a file-system error', async () => {
    const path = join(dir, 'bad.safetensors');
    await writeFile(path, new Uint8Array([1, 2, 3]));
    await expect(readSafetensorsFile(path)).rejects.toThrow(new RegExp(`^${path.replace(/[.]/g, '\\.')}: safetensors: file is 3 bytes`));
    await expect(readSafetensorsFile(join(dir, 'missing.safetensors'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

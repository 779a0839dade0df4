/**
 * Tensors ⇄ safetensors bytes: the bridge between Heed tensors and the Hugging Face
 * weights format. Browser-safe; see `tensor-io-node.ts` for files.
 */
import type { Engine } from '../engine.js';
import { getEngine } from '../engine.js';
import { CheckpointError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { float32ToRaw, int32ToRaw, rawToFloat32, rawToInt32, rawToUint8, uint8ToRaw } from './safetensors-convert.js';
import { parseSafetensors, serializeSafetensors, type RawTensor } from './safetensors.js';

/** Named tensors, as a Map or a plain record. */
export type NamedTensors = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

function entries(tensors: NamedTensors): [string, Tensor][] {
  return tensors instanceof Map ? [...tensors] : Object.entries(tensors);
}

/** Reads tensors back to the host as safetensors raw records (F32, I32, BOOL). */
export async function tensorsToRaw(tensors: NamedTensors): Promise<Map<string, RawTensor>> {
  const out = new Map<string, RawTensor>();
  for (const [name, t] of entries(tensors)) {
    t.assertLive(`save "${name}"`);
    const data = await t.data();
    const shape = [...t.shape];
    out.set(
      name,
      t.dtype === 'float32'
        ? float32ToRaw(data as Float32Array, shape, 'F32')
        : t.dtype === 'int32'
          ? int32ToRaw(data as Int32Array, shape, 'I32')
          : uint8ToRaw(data as Uint8Array, shape, 'BOOL'),
    );
  }
  return out;
}

/** Serializes named tensors to safetensors bytes. */
export async function tensorsToSafetensors(tensors: NamedTensors, metadata?: Record<string, string>): Promise<Uint8Array> {
  return serializeSafetensors(await tensorsToRaw(tensors), metadata);
}

/**
 * Makes tensors from safetensors raw records. Floats (F16, BF16, F32, F64) become float32,
 * integers up to 64 bits become int32 (with a range check), BOOL becomes bool; other dtypes
 * raise a CheckpointError naming the tensor.
 */
export function tensorsFromRaw(raw: Map<string, RawTensor>, options: { engine?: Engine } = {}): Map<string, Tensor> {
  const engine = options.engine ?? getEngine();
  const out = new Map<string, Tensor>();
  try {
    for (const [name, r] of raw) {
      const shape = [...r.shape];
      if (r.dtype === 'F32' || r.dtype === 'F16' || r.dtype === 'BF16' || r.dtype === 'F64') {
        out.set(name, engine.fromHost(rawToFloat32(r), shape, 'float32'));
      } else if (r.dtype === 'I32' || r.dtype === 'I64' || r.dtype === 'I16' || r.dtype === 'I8' || r.dtype === 'U16' || r.dtype === 'U8') {
        out.set(name, engine.fromHost(r.dtype === 'U8' ? Int32Array.from(rawToUint8(r, name)) : rawToInt32Wide(r, name), shape, 'int32'));
      } else if (r.dtype === 'BOOL') {
        out.set(name, engine.fromHost(rawToUint8(r, name), shape, 'bool'));
      } else {
        throw new CheckpointError(`tensor "${name}" has dtype ${r.dtype}, which Heed tensors cannot hold (float32, int32 or bool)`);
      }
    }
  } catch (e) {
    for (const t of out.values()) t.dispose();
    throw e;
  }
  return out;
}

function rawToInt32Wide(r: RawTensor, name: string): Int32Array {
  if (r.dtype === 'I32' || r.dtype === 'I64') return rawToInt32(r, name);
  const view = new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength);
  const width = r.dtype === 'I8' ? 1 : 2;
  const out = new Int32Array(r.data.byteLength / width);
  for (let i = 0; i < out.length; i++) {
    out[i] = r.dtype === 'I8' ? view.getInt8(i) : r.dtype === 'I16' ? view.getInt16(i * 2, true) : view.getUint16(i * 2, true);
  }
  return out;
}

/** Parses safetensors bytes into tensors (and the file's metadata). */
export function tensorsFromSafetensors(bytes: Uint8Array, options: { engine?: Engine } = {}): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const parsed = parseSafetensors(bytes);
  return { tensors: tensorsFromRaw(parsed.tensors, options), metadata: parsed.metadata };
}

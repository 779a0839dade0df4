import { sizeOf, stridesOf, type DType, type Shape, type TensorInfo } from '@heed/core';
import type { GpuRuntime } from '../runtime.js';

/**
 * How row kernels (softmax, log-softmax, layer norm, cross-entropy, the attention
 * softmax) map rows to invocations: `thread` one invocation per row, `workgroup` one
 * 64-invocation workgroup per row, `auto` (default) by adapter and shape (see fused.ts).
 */
export type RowKernel = 'auto' | 'thread' | 'workgroup';

/** What kernels need from the backend: the runtime, a tensor's buffer and fresh outputs. */
export interface KernelHost {
  readonly rt: GpuRuntime;
  /** Row-to-invocation mapping of the row kernels. */
  readonly rowKernel: RowKernel;
  /** Whether the adapter is a software one (kernel choice; see GpuContext.software). */
  readonly software: boolean;
  /** Whether workgroup-per-row kernels reduce with subgroup operations (else a shared-memory tree). */
  readonly subgroups: boolean;
  /** The GPU buffer behind a tensor of this backend. */
  buf(t: TensorInfo): GPUBuffer;
  /** A fresh output tensor (pooled buffer, contents undefined until a kernel writes it). */
  out(shape: Shape, dtype: DType): TensorInfo;
  /** Frees a temporary made by `out` (its buffer goes back to the pool). */
  release(t: TensorInfo): void;
}

/** Strides of `inShape` broadcast against `outShape` (right-aligned; 0 on broadcast dims). */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const s = stridesOf(inShape);
  const off = outShape.length - inShape.length;
  return outShape.map((d, i) => {
    const j = i - off;
    if (j < 0) return 0;
    return inShape[j] === 1 && d !== 1 ? 0 : s[j]!;
  });
}

/** How a kernel input is indexed: like the output, a single element, or by strides. */
export type Access = 'same' | 'scalar' | 'strided';

/** Picks the cheapest access for an input of `inShape` read at every element of `outShape`. */
export function accessOf(inShape: Shape, outShape: Shape): Access {
  const n = sizeOf(inShape);
  if (n === sizeOf(outShape) && (inShape.length === outShape.length ? inShape.every((d, i) => d === outShape[i]) : n === 1 || sameTail(inShape, outShape))) return 'same';
  if (n === 1) return 'scalar';
  return 'strided';
}

function sameTail(a: Shape, b: Shape): boolean {
  // equal sizes and a is b with leading 1s added or removed
  const strip = (s: Shape): number[] => {
    const out = [...s];
    while (out.length && out[0] === 1) out.shift();
    return out;
  };
  const x = strip(a);
  const y = strip(b);
  return x.length === y.length && x.every((d, i) => d === y[i]);
}

/** Float32 bits as a u32 word (for f32 values passed in integer parameter buffers). */
export function f32bits(v: number): number {
  return new Uint32Array(Float32Array.of(v).buffer)[0]!;
}

/** Int32 or bool value as a u32 word. */
export function wordOf(v: number, dtype: DType): number {
  if (dtype === 'float32') return f32bits(v);
  if (dtype === 'int32') return v >>> 0;
  return v ? 1 : 0;
}

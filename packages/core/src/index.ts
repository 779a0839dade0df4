/**
 * @heed/core: tensors, the backend contract, autograd, dependency injection and
 * safetensors I/O. Backends and higher-level packages build on it.
 */
export * from './errors.js';
export * from './dtype.js';
export * from './shape.js';
export * from './backend.js';
export { Tensor, Variable, type NestedArray } from './tensor.js';
export { Engine, getEngine, setEngine, type MemoryInfo, type OpSpec } from './engine.js';
export type { BackwardFn, Saved } from './tape.js';
export * from './autograd.js';
export * from './ops/index.js';
/** Every op under one namespace: `ops.matmul(a, b)`. */
export * as ops from './ops/index.js';
export * from './random.js';
export * from './optim.js';
export * from './tokens.js';
export * from './heed.js';
export * from './memory.js';
export * from './io/safetensors.js';
export * from './io/tensor-io.js';

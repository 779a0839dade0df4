/**
 * @heed/core/node: the parts of core that need Node's file system (safetensors files).
 * The main entry stays browser-safe.
 */
export * from './io/safetensors-node.js';
export * from './io/tensor-io-node.js';
export * from './io/atomic-node.js';

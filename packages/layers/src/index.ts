/**
 * @heed/layers: the `Module` base (named parameter tree, train/eval, state dicts), basic
 * layers, the RNN family, attention with pluggable scoring (through the container),
 * multi-head attention and Transformer blocks.
 */
export * from './module.js';
export * from './linear.js';
export * from './embedding.js';
export * from './dropout.js';
export * from './layer-norm.js';
export * from './activations.js';
export * from './recurrent/step.js';
export * from './recurrent/cells.js';
export * from './recurrent/sequence.js';
export * from './plugins.js';
export * from './attention/scorer.js';
export * from './attention/scorers.js';
export * from './attention/attention.js';
export * from './attention/kv-cache.js';
export * from './attention/multi-head.js';
export * from './transformer/positional.js';
export * from './transformer/ffn.js';
export * from './transformer/residual.js';
export * from './transformer/transformer.js';

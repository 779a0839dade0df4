/**
 * @heed/models: models as plugins saved as model directories (config.json +
 * model.safetensors), the seq2seq family, Transformers, language models and BERT, a
 * Trainer, and generation (greedy, beam, sampling) through one decoder-step interface.
 */
export * from './errors.js';
export * from './model.js';
export * from './registry.js';
export * from './generation/index.js';
export * from './plugins.js';
export * from './seq2seq/index.js';
export * from './transformer/index.js';
export * from './bert/index.js';
export * from './training/index.js';
export * from './generative-model.js';

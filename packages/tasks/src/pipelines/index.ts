/** The pipeline framework and the built-in task pipelines. */
export * from './pipeline.js';
export * from './registry.js';
export * from './batch.js';
export * from './text-classification.js';
export * from './token-classification.js';
export * from './question-answering.js';
export * from './fill-mask.js';
export * from './translation.js';
export * from './feature-extraction.js';
export * from './text-generation.js';

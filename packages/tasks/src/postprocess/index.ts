/** The pure postprocess functions of the pipelines (host code, unit-tested with hand-made logits). */
export * from './scores.js';
export * from './text-classification.js';
export * from './token-classification.js';
export * from './question-answering.js';
export * from './fill-mask.js';

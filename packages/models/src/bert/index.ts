/** BERT in Hugging Face's layout: config, modules, the six model types and their registrations. */
export * from './config.js';
export * from './embeddings.js';
export * from './encoder.js';
export * from './bert-model.js';
export * from './pretraining.js';
export * from './classification.js';
export * from './question-answering.js';
export * from './checkpoint.js';
export * from './register.js';
export * from './token-labels.js';
export * from './qa-spans.js';
export * from './pretraining-data.js';

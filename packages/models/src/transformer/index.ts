/** The Transformer family: encoder–decoder, decoder-only language model, their decoding sessions. */
export * from './errors.js';
export * from './config.js';
export { shiftRight, fitLength } from './sequence.js';
export * from './transformer.js';
export { TransformerSession } from './session.js';
export { TransformerLMSession, type TransformerLMPrompts } from './lm-session.js';
export * from '../lm/transformer-lm.js';
export * from './register.js';

/** Generation: one implementation of greedy search, beam search and sampling over `DecoderSession`. */
export * from './session.js';
export * from './options.js';
export { SessionDriver, withSession } from './driver.js';
export { topExpansions, type Expansion } from './top-expansions.js';
export { greedy } from './greedy.js';
export { beamSearch } from './beam.js';
export { sample } from './sample.js';
export { samplingDistribution, drawToken, drawFromRow, type SamplingFilter, type TokenDistribution } from './distribution.js';
export { generate, type GenerateOptions } from './generate.js';

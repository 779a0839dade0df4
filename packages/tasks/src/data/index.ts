/** Data parsers (browser-safe): sentence pairs, CoNLL, GLUE TSV, SQuAD JSON. File readers are in `@heed/tasks/node`. */
export * from './lines.js';
export * from './translation.js';
export * from './conll.js';
export * from './glue.js';
export * from './squad.js';

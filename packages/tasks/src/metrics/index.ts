/** Metrics: sacreBLEU's corpus BLEU, classification accuracy/F1, conlleval entity F1, SQuAD v1.1 EM/F1. */
export * from './bleu.js';
export * from './classification.js';
export * from './entities.js';
export * from './squad.js';

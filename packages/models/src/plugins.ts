import { ContainerModule } from 'inversify';
import { modelTypes } from './registry.js';
import { attentionSeq2SeqRegistration, rnnLMRegistration, seq2seqRegistration } from './seq2seq/index.js';
import { transformerLMRegistration, transformerRegistration } from './transformer/register.js';
import { BERT_MODEL_TYPES } from './bert/register.js';

/**
 * The models package's plugins for `createHeed({ plugins })`: every built-in model type,
 * registered by name under `TOKENS.Model`. Add `layersModule` too (attention scorers).
 */
export const modelsModule: ContainerModule = modelTypes(
  // built-in model registrations are listed here
  seq2seqRegistration,
  attentionSeq2SeqRegistration,
  rnnLMRegistration,
  transformerRegistration,
  transformerLMRegistration,
  ...BERT_MODEL_TYPES,
);

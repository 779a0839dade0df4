import { TransformerLM, type TransformerLMConfig } from '../lm/transformer-lm.js';
import type { ModelRegistration } from '../registry.js';
import type { TransformerConfig } from './config.js';
import { Transformer } from './transformer.js';

/** Registration of the `Transformer` encoder–decoder (type name "Transformer"). */
export const transformerRegistration: ModelRegistration<TransformerConfig> = {
  type: 'Transformer',
  create: (_heed, config, options) => new Transformer(config, options),
};

/** Registration of the decoder-only `TransformerLM` (type name "TransformerLM"). */
export const transformerLMRegistration: ModelRegistration<TransformerLMConfig> = {
  type: 'TransformerLM',
  create: (_heed, config, options) => new TransformerLM(config, options),
};

import { ContainerModule } from 'inversify';
import { TOKENS, bindNamed } from '@heed/core';
import { BUILTIN_SCORERS } from './attention/scorers.js';

/**
 * The layers package's plugins for `createHeed({ plugins })`: the built-in attention
 * scorers, bound by name under `TOKENS.AttentionScore`.
 */
export const layersModule = new ContainerModule((options) => {
  for (const [name, cls] of Object.entries(BUILTIN_SCORERS)) bindNamed(options, TOKENS.AttentionScore, name, cls);
});

import { ContainerModule } from 'inversify';
import { modelTypes } from './registry.js';

/**
 * The models package's plugins for `createHeed({ plugins })`: every built-in model type,
 * registered by name under `TOKENS.Model`. Add `layersModule` too (attention scorers).
 */
export const modelsModule: ContainerModule = modelTypes(
  // built-in model registrations are listed here
);

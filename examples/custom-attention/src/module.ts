/**
 * Registering the scorer with Heed's container: the app's own `ContainerModule`, loaded
 * next to `layersModule` and `modelsModule`. `bindNamed` binds the class under
 * `TOKENS.AttentionScore` by name and records the name, so an unknown name fails with a
 * `PluginNotFoundError` that lists this one too.
 */
import { ContainerModule } from 'inversify';
import { TOKENS, bindNamed } from '@heed/core';
import { BILINEAR_TANH_OPTIONS, BilinearTanhScore, type BilinearTanhOptions } from './scorer.js';

/** The name models ask for: `{ score: 'bilinear-tanh' }`. */
export const BILINEAR_TANH = 'bilinear-tanh';

/** The app's plugins: the bilinear-tanh scorer and its settings. */
export function customAttentionModule(options: BilinearTanhOptions = {}): ContainerModule {
  return new ContainerModule((load) => {
    load.bind<BilinearTanhOptions>(BILINEAR_TANH_OPTIONS).toConstantValue(options);
    bindNamed(load, TOKENS.AttentionScore, BILINEAR_TANH, BilinearTanhScore);
  });
}

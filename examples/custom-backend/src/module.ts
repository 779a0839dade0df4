/**
 * Registering the custom backends with Heed's container. A backend reaches an app as a
 * `BackendRegistration` (name, priority, async factory) bound to `TOKENS.Backend`;
 * `createHeed` collects every one with `getAll` and picks by name or priority.
 */
import { inject, injectable, ContainerModule } from 'inversify';
import { backendModule, TOKENS, type Backend, type BackendRegistration } from '@heed/core';
import { CpuBackend, type CpuBackendOptions } from '@heed/backend-cpu';
import { CountingBackend } from './counting-backend.js';
import { Float64Backend } from './float64-backend.js';

/**
 * The one-liner: `backendModule` builds the ContainerModule for you. Priority 0 keeps the
 * float64 reference below "cpu" (10), so an app only gets it when it asks by name.
 */
export const float64Module = backendModule({
  name: 'float64',
  priority: 0,
  create: () => new Float64Backend(),
});

/** Our own service identifier for the counting backend's options (any symbol works). */
export const COUNTING_CPU_OPTIONS = Symbol.for('example.CountingCpuOptions');

/**
 * The same thing written by hand, to show the inversify side: an injectable class that
 * implements `BackendRegistration`, with its options injected from the container.
 * Every constructor parameter gets an explicit `@inject(...)`: tsx and esbuild do not
 * emit decorator metadata, so inversify could not autowire by type.
 */
@injectable()
export class CountingCpuRegistration implements BackendRegistration {
  readonly name = 'counting-cpu';
  readonly priority = -1;

  constructor(@inject(COUNTING_CPU_OPTIONS) private readonly options: CpuBackendOptions) {}

  create(): Backend {
    return new CountingBackend(new CpuBackend(this.options), this.name);
  }
}

/** A hand-written ContainerModule: binds the options, then the registration to `TOKENS.Backend`. */
export function countingCpuModuleWith(options: CpuBackendOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<CpuBackendOptions>(COUNTING_CPU_OPTIONS).toConstantValue(options);
    // Several packages bind TOKENS.Backend; createHeed resolves them all with getAll.
    bind<BackendRegistration>(TOKENS.Backend).to(CountingCpuRegistration).inSingletonScope();
  });
}

/** The counting backend over the CPU backend, with default options. */
export const countingCpuModule = countingCpuModuleWith();

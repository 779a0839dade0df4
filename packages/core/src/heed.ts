import { Container, ContainerModule, type ContainerModuleLoadOptions, type Newable } from 'inversify';
import type { Backend } from './backend.js';
import { Engine, setEngine, type MemoryInfo } from './engine.js';
import { BackendError, PluginNotFoundError } from './errors.js';
import { TOKENS, type BackendRegistration, type PluginName } from './tokens.js';

/** Options of `createHeed`. */
export interface HeedOptions {
  /** ContainerModules of the packages and user plugins to compose. */
  readonly plugins: readonly ContainerModule[];
  /** Backend to use by name; default: the highest-priority one that initialises. */
  readonly backend?: string;
  /** Make this the engine used by ops that create tensors from nothing (default true). */
  readonly setActive?: boolean;
}

/** A composed Heed app: the container, the chosen backend and its engine. */
export class Heed {
  /** @internal */
  constructor(
    /** The inversify container holding every plugin. */
    readonly container: Container,
    /** The engine running ops on the chosen backend. */
    readonly engine: Engine,
  ) {}

  /** The chosen backend's name. */
  get backendName(): string {
    return this.engine.backend.name;
  }

  /**
   * Resolves the plugin bound under `token` with `name`; throws PluginNotFoundError
   * listing the registered names when there is none.
   */
  get<T>(token: symbol, name: string, kind = describeToken(token)): T {
    const names = registeredNames(this.container, token);
    if (!names.includes(name)) throw new PluginNotFoundError(kind, name, names);
    return this.container.get<T>(token, { name });
  }

  /** Names registered under `token` with `bindNamed`. */
  names(token: symbol): string[] {
    return registeredNames(this.container, token);
  }

  /** Live tensors and bytes of this app's engine. */
  memory(): MemoryInfo {
    return this.engine.memory();
  }

  /** Disposes tensors made inside `fn` except what it returns. */
  tidy<T>(fn: () => T): T {
    return this.engine.tidy(fn);
  }

  /** Waits for queued backend work; raises deferred errors (GPU validation). */
  sync(): Promise<void> {
    return this.engine.sync();
  }

  /** Releases the backend (workers, devices). */
  dispose(): void {
    this.engine.dispose();
  }
}

function describeToken(token: symbol): string {
  const d = token.description ?? 'plugin';
  return d.replace(/^heed\./, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function registeredNames(container: Container, token: symbol): string[] {
  if (!container.isBound(TOKENS.PluginName)) return [];
  return container
    .getAll<PluginName>(TOKENS.PluginName)
    .filter((p) => p.token === token)
    .map((p) => p.name);
}

/**
 * Binds an injectable class under `token` with `name` and records the name, so that
 * `heed.get(token, name)` finds it and a wrong name lists the right ones. Use inside a
 * ContainerModule's load function.
 */
export function bindNamed<T>(options: Pick<ContainerModuleLoadOptions, 'bind'>, token: symbol, name: string, cls: Newable<T>): void {
  options.bind<T>(token).to(cls).whenNamed(name);
  options.bind<PluginName>(TOKENS.PluginName).toConstantValue({ token, name });
}

/** A ContainerModule that registers one backend. */
export function backendModule(registration: BackendRegistration): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<BackendRegistration>(TOKENS.Backend).toConstantValue(registration);
    bind<PluginName>(TOKENS.PluginName).toConstantValue({ token: TOKENS.Backend, name: registration.name });
  });
}

/** The backends registered in a container, highest priority first. */
export function registeredBackends(container: Container): BackendRegistration[] {
  if (!container.isBound(TOKENS.Backend)) return [];
  return [...container.getAll<BackendRegistration>(TOKENS.Backend)].sort((a, b) => b.priority - a.priority);
}

/**
 * Composes an app from plugins: loads their ContainerModules, picks and initialises a
 * backend (by name, or the highest priority that initialises), and returns the app.
 */
export async function createHeed(options: HeedOptions): Promise<Heed> {
  const container = new Container();
  container.load(...options.plugins);
  const regs = registeredBackends(container);
  let backend: Backend;
  if (options.backend !== undefined) {
    const reg = regs.find((r) => r.name === options.backend);
    if (!reg) throw new PluginNotFoundError('backend', options.backend, regs.map((r) => r.name));
    backend = await initBackend(reg);
  } else {
    const failures: string[] = [];
    let chosen: Backend | undefined;
    for (const reg of regs) {
      try {
        chosen = await initBackend(reg);
        break;
      } catch (e) {
        failures.push(`${reg.name}: ${(e as Error).message}`);
      }
    }
    if (!chosen) {
      throw new BackendError(
        regs.length === 0
          ? 'createHeed: no backend is registered; add a backend plugin such as cpuBackendModule to `plugins`'
          : `createHeed: no registered backend could initialise (${failures.join('; ')})`,
      );
    }
    backend = chosen;
  }
  const engine = new Engine(backend);
  container.bind<Engine>(TOKENS.Engine).toConstantValue(engine);
  if (options.setActive !== false) setEngine(engine);
  return new Heed(container, engine);
}

async function initBackend(reg: BackendRegistration): Promise<Backend> {
  try {
    return await reg.create();
  } catch (e) {
    throw new BackendError(`backend "${reg.name}" failed to initialise: ${(e as Error).message}`);
  }
}

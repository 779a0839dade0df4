import { getEngine, type MemoryInfo } from './engine.js';
import type { Tensor, Variable } from './tensor.js';
import { Rng } from './random.js';
import type { Shape } from './shape.js';
import { randomNormal, zeros } from './ops/creation.js';

/** Runs `fn` and disposes the tensors it made except those it returns (active engine). */
export function tidy<T>(fn: () => T): T {
  return getEngine().tidy(fn);
}

/** Exempts a tensor from disposal by enclosing `tidy` scopes. */
export function keep<T extends Tensor>(t: T): T {
  return t.engine.keep(t);
}

/** Disposes tensors found in a value (a tensor, arrays, Maps, plain objects). */
export function dispose(value: unknown): void {
  if (value === null || value === undefined) return;
  if (typeof (value as Tensor).dispose === 'function' && 'dataId' in (value as object)) (value as Tensor).dispose();
  else if (Array.isArray(value)) value.forEach(dispose);
  else if (value instanceof Map) for (const v of value.values()) dispose(v);
  else if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) Object.values(value).forEach(dispose);
}

/** Live tensors and bytes of the active engine. */
export function memory(): MemoryInfo {
  return getEngine().memory();
}

/** A trainable (by default) variable initialised from `init`, which stays owned by the caller. */
export function variable(init: Tensor, name = `v${init.id}`, trainable = true): Variable {
  init.assertLive('variable');
  return init.engine.makeVariable(init, name, trainable);
}

/** A variable initialised N(0, std²) from a seeded generator. */
export function randomVariable(shape: Shape, name: string, std: number, rng: Rng): Variable {
  const t = randomNormal(shape, 0, std, { rng });
  const v = variable(t, name);
  t.dispose();
  return v;
}

/** A zero-initialised variable. */
export function zerosVariable(shape: Shape, name: string): Variable {
  const t = zeros(shape);
  const v = variable(t, name);
  t.dispose();
  return v;
}

import type { Tensor } from '@heed/core';

/**
 * Keys and values already projected into heads ([batch, heads, t, headDim]) for
 * incremental decoding. An `append` cache (decoder self-attention) grows by the new
 * steps' keys/values on every call; a `static` cache (cross-attention) is filled from the
 * memory on the first call and reused after. The tensors are exempt from `tidy` scopes
 * until replaced or `dispose()`d.
 */
export class KVCache {
  private kT: Tensor | undefined;
  private vT: Tensor | undefined;

  constructor(readonly mode: 'append' | 'static' = 'append') {}

  /** Cached keys, or undefined while empty. */
  get k(): Tensor | undefined {
    return this.kT;
  }

  /** Cached values, or undefined while empty. */
  get v(): Tensor | undefined {
    return this.vT;
  }

  /** Number of cached time steps. */
  get length(): number {
    return this.kT?.shape[2] ?? 0;
  }

  /** @internal replaces the cached tensors (kept out of tidy scopes). */
  set(k: Tensor, v: Tensor): void {
    if (k === this.kT && v === this.vT) return;
    this.dispose();
    this.kT = k.engine.keep(k);
    this.vT = v.engine.keep(v);
  }

  /** Frees the cached tensors; the cache is empty again. */
  dispose(): void {
    this.kT?.dispose();
    this.vT?.dispose();
    this.kT = undefined;
    this.vT = undefined;
  }
}

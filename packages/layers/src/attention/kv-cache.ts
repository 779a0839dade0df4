import { ArgumentError, gather, tensor, type Tensor } from '@heed/core';

/**
 * Keys and values already projected into heads ([batch, heads, t, headDim]) for
 * incremental decoding. An `append` cache (decoder self-attention) grows by the new
 * steps' keys/values on every call; a `static` cache (cross-attention) is filled from the
 * memory on the first call and reused after. The tensors are exempt from `tidy` scopes
 * until replaced or `dispose()`d. `select` reorders, repeats or drops batch rows (beam
 * search expands each sentence to k rows and reorders them after every step).
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

  /** Number of cached batch rows (0 while empty). */
  get rows(): number {
    return this.kT?.shape[0] ?? 0;
  }

  /** @internal replaces the cached tensors (kept out of tidy scopes). */
  set(k: Tensor, v: Tensor): void {
    if (k === this.kT && v === this.vT) return;
    this.dispose();
    this.kT = k.engine.keep(k);
    this.vT = v.engine.keep(v);
  }

  /**
   * Keeps batch rows `indices` of the cache, in that order: the new row r is the old row
   * indices[r] (repetition allowed, so one row can become k beams; rows left out are
   * dropped). Host indices are checked against the cached rows (ArgumentError naming the
   * bad index); an int32 tensor of indices is passed to `gather` as is. An empty cache
   * stays empty (a static cache selected before its first call is filled from the
   * already-selected memory).
   */
  select(indices: Int32Array | readonly number[] | Tensor): void {
    if (!this.kT || !this.vT) return;
    const engine = this.kT.engine;
    let idx: Tensor;
    if (Array.isArray(indices) || indices instanceof Int32Array) {
      const rows = this.kT.shape[0]!;
      const host = Int32Array.from(indices as ArrayLike<number>);
      if (host.length === 0) throw new ArgumentError('KVCache.select: needs at least one row index');
      host.forEach((r, i) => {
        if (!(r >= 0 && r < rows)) throw new ArgumentError(`KVCache.select: index ${r} at position ${i} is outside the ${rows} cached rows`);
      });
      idx = tensor(host, [host.length], 'int32', { engine });
    } else {
      idx = indices as Tensor;
      if (idx.dtype !== 'int32' || idx.rank !== 1) {
        throw new ArgumentError(`KVCache.select: indices must be a 1-D int32 tensor, got ${idx.dtype} [${idx.shape.join(',')}]`);
      }
    }
    const k = gather(this.kT, idx, 0);
    const v = gather(this.vT, idx, 0);
    if (idx !== indices) idx.dispose();
    this.set(k, v);
  }

  /** Frees the cached tensors; the cache is empty again. */
  dispose(): void {
    this.kT?.dispose();
    this.vT?.dispose();
    this.kT = undefined;
    this.vT = undefined;
  }
}

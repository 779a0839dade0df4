/**
 * Padding: extending encodings (and their overflow windows) to a common length with
 * padding tokens. Pure functions over {@link Encoding}s and the options.
 */
import type { Encoding } from './encoding.js';

/** Padding settings. */
export interface PaddingOptions {
  /** Pad to this length; undefined pads a batch to its longest encoding. */
  length?: number;
  /** Round the padded length up to a multiple of this. */
  padToMultipleOf?: number;
  /** Where padding goes (default `right`). */
  direction?: 'left' | 'right';
  /** Padding id (default 0). */
  padId?: number;
  /** Padding type id (default 0). */
  padTypeId?: number;
  /** Padding token (default `[PAD]`). */
  padToken?: string;
}

/** The length a batch of encodings is padded to. */
export function padTarget(encs: readonly Encoding[], p: PaddingOptions): number {
  let target = p.length ?? 0;
  if (p.length === undefined) for (const e of encs) target = Math.max(target, e.length);
  const m = p.padToMultipleOf;
  if (m !== undefined && m > 0 && target % m !== 0) target += m - (target % m);
  return target;
}

/** Pads `e` and its overflow windows, in place, to `target` tokens (longer ones are left as they are). */
export function padEncoding(e: Encoding, target: number, p: PaddingOptions): void {
  for (const o of e.overflowing) padEncoding(o, target, p);
  const n = target - e.length;
  if (n <= 0) return;
  const padId = p.padId ?? 0;
  const padToken = p.padToken ?? '[PAD]';
  const left = p.direction === 'left';
  // No spread: padding to a large length must not overflow the stack.
  const put = <T>(arr: T[], v: T): void => {
    const old = arr.length;
    arr.length = old + n;
    if (left) {
      for (let i = old - 1; i >= 0; i--) arr[i + n] = arr[i]!;
      for (let i = 0; i < n; i++) arr[i] = v;
    } else for (let i = old; i < old + n; i++) arr[i] = v;
  };
  put(e.ids, padId);
  put(e.tokens, padToken);
  put(e.starts, 0);
  put(e.ends, 0);
  put(e.typeIds, p.padTypeId ?? 0);
  put(e.attentionMask, 0);
  put(e.specialTokensMask, 1);
  put(e.wordIds, null);
  put(e.sequenceIds, null);
  // Offsets are rebuilt lazily from starts/ends.
  (e as unknown as { offsetsCache: unknown }).offsetsCache = null;
}

/** Pads a batch together (see {@link padTarget}). */
export function padBatch(encs: readonly Encoding[], p: PaddingOptions): void {
  const target = padTarget(encs, p);
  for (const e of encs) padEncoding(e, target, p);
}

/** The Hugging Face `tokenizer.json` form of the settings. */
export function paddingToJSON(p: PaddingOptions | null): Record<string, unknown> | null {
  if (p === null) return null;
  return {
    strategy: p.length === undefined ? 'BatchLongest' : { Fixed: p.length },
    direction: p.direction === 'left' ? 'Left' : 'Right',
    pad_to_multiple_of: p.padToMultipleOf ?? null,
    pad_id: p.padId ?? 0,
    pad_type_id: p.padTypeId ?? 0,
    pad_token: p.padToken ?? '[PAD]',
  };
}

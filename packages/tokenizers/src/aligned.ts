/**
 * A string together with, for each of its UTF-16 code units, the span of the
 * ORIGINAL text that produced it. `start`/`end` are `null` when the mapping is the
 * identity (unit i came from original unit i), which avoids allocations for the
 * common ASCII case.
 */
export interface AlignedString {
  /** The (normalized) text. */
  readonly text: string;
  /** `start[i]`: original code-unit index where the char producing unit i begins; null = identity. */
  readonly start: Int32Array | null;
  /** `end[i]`: original code-unit index (exclusive) where that char ends; null = identity. */
  readonly end: Int32Array | null;
}

/** Original start of unit `i` of `s`. */
export function alignedStart(s: AlignedString, i: number): number {
  return s.start === null ? i : s.start[i]!;
}

/** Original end (exclusive) of unit `i` of `s`. */
export function alignedEnd(s: AlignedString, i: number): number {
  return s.end === null ? i + 1 : s.end[i]!;
}

/** An identity-aligned string. */
export function identity(text: string): AlignedString {
  return { text, start: null, end: null };
}

/**
 * Incrementally builds an {@link AlignedString}: push normalized pieces together with
 * the original span they come from.
 */
export class AlignedBuilder {
  private parts: string[] = [];
  private starts: Int32Array;
  private ends: Int32Array;
  private n = 0;
  constructor(capacity: number) {
    const c = Math.max(16, capacity);
    this.starts = new Int32Array(c);
    this.ends = new Int32Array(c);
  }
  /** Appends `piece`, every unit of which maps to original span [s, e). */
  push(piece: string, s: number, e: number): void {
    const len = piece.length;
    if (len === 0) return;
    this.parts.push(piece);
    this.ensure(this.n + len);
    for (let k = 0; k < len; k++) {
      this.starts[this.n + k] = s;
      this.ends[this.n + k] = e;
    }
    this.n += len;
  }
  /** Appends units `a..b` of `src`, keeping their alignment. */
  pushAligned(src: AlignedString, a: number, b: number): void {
    if (b <= a) return;
    this.parts.push(src.text.slice(a, b));
    this.ensure(this.n + b - a);
    for (let k = a; k < b; k++) {
      this.starts[this.n] = alignedStart(src, k);
      this.ends[this.n] = alignedEnd(src, k);
      this.n++;
    }
  }
  private ensure(cap: number): void {
    if (cap <= this.starts.length) return;
    let c = this.starts.length * 2;
    while (c < cap) c *= 2;
    const s = new Int32Array(c);
    s.set(this.starts.subarray(0, this.n));
    const e = new Int32Array(c);
    e.set(this.ends.subarray(0, this.n));
    this.starts = s;
    this.ends = e;
  }
  /** The built string. */
  build(): AlignedString {
    return { text: this.parts.join(''), start: this.starts.subarray(0, this.n), end: this.ends.subarray(0, this.n) };
  }
}

/**
 * A character trie over UTF-16 code units, stored in flat typed arrays with an
 * open-addressing hash table for transitions: longest-prefix lookups walk the word's
 * char codes without allocating substrings.
 */
export class Trie {
  private keyNode: Int32Array;
  private keyUnit: Int32Array;
  private val: Int32Array;
  private mask: number;
  private used = 0;
  /** Token id at each node, or -1. */
  private terminal: Int32Array;
  private nodes = 1;

  constructor(expectedUnits = 1024) {
    let cap = 1024;
    while (cap < expectedUnits * 2) cap *= 2;
    this.mask = cap - 1;
    this.keyNode = new Int32Array(cap).fill(-1);
    this.keyUnit = new Int32Array(cap);
    this.val = new Int32Array(cap);
    this.terminal = new Int32Array(Math.max(16, expectedUnits + 1)).fill(-1);
  }

  /** Child of `node` by code unit `u`, or -1. */
  child(node: number, u: number): number {
    let h = (Math.imul(node, 0x9e3779b1) ^ Math.imul(u, 0x85ebca6b)) & this.mask;
    const kn = this.keyNode;
    for (;;) {
      const n = kn[h]!;
      if (n === -1) return -1;
      if (n === node && this.keyUnit[h] === u) return this.val[h]!;
      h = (h + 1) & this.mask;
    }
  }

  /** Token id stored at `node`, or -1. */
  idAt(node: number): number {
    return this.terminal[node]!;
  }

  /** Inserts `s[from..]` with id `id`. */
  insert(s: string, id: number, from = 0): void {
    let node = 0;
    for (let i = from; i < s.length; i++) {
      const u = s.charCodeAt(i);
      let c = this.child(node, u);
      if (c < 0) {
        c = this.nodes++;
        if (c >= this.terminal.length) {
          const t = new Int32Array(this.terminal.length * 2).fill(-1);
          t.set(this.terminal);
          this.terminal = t;
        }
        this.set(node, u, c);
      }
      node = c;
    }
    this.terminal[node] = id;
  }

  private set(node: number, u: number, c: number): void {
    if ((this.used + 1) * 2 > this.mask + 1) this.grow();
    let h = (Math.imul(node, 0x9e3779b1) ^ Math.imul(u, 0x85ebca6b)) & this.mask;
    while (this.keyNode[h] !== -1) h = (h + 1) & this.mask;
    this.keyNode[h] = node;
    this.keyUnit[h] = u;
    this.val[h] = c;
    this.used++;
  }

  private grow(): void {
    const kn = this.keyNode;
    const ku = this.keyUnit;
    const v = this.val;
    const cap = (this.mask + 1) * 2;
    this.mask = cap - 1;
    this.keyNode = new Int32Array(cap).fill(-1);
    this.keyUnit = new Int32Array(cap);
    this.val = new Int32Array(cap);
    this.used = 0;
    for (let i = 0; i < kn.length; i++) if (kn[i] !== -1) this.set(kn[i]!, ku[i]!, v[i]!);
  }

  /**
   * Longest token that is a prefix of `s[from..to)`; returns its end index and writes
   * its id into `idOut[0]`, or returns -1.
   */
  longest(s: string, from: number, to: number, idOut: Int32Array): number {
    let node = 0;
    let bestEnd = -1;
    for (let i = from; i < to; i++) {
      node = this.child(node, s.charCodeAt(i));
      if (node < 0) break;
      const id = this.terminal[node]!;
      if (id >= 0) {
        bestEnd = i + 1;
        idOut[0] = id;
      }
    }
    return bestEnd;
  }
}

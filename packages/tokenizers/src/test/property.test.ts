import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromFile, fromGpt2Files } from '../node.js';
import type { Encoding } from '../encoding.js';
import { dataPath } from './data.js';

const bert = fromFile(dataPath('vocab/bert-base-uncased/tokenizer.json'));
const gpt2 = fromGpt2Files(dataPath('vocab/gpt2/vocab.json'), dataPath('vocab/gpt2/merges.txt'));

// Any UTF-16 unit (lone surrogates included), any code point, and "interesting" chars.
const interesting = fc.constantFrom(' ', '\t', '\n', '\r', '\u0000', '\u0085', '\u200b', '\ufeff', '\u3000', 'é', 'e\u0301', 'İ', 'ß', 'Σ', '中', '😀', '[CLS]', '##', "'s", 'A', '.', '\ud800', '\udc00');
const unit = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 4 }) },
  { weight: 2, arbitrary: interesting },
);
const text = fc.array(unit, { maxLength: 24 }).map((xs) => xs.join(''));
const wellFormed = (s: string): boolean => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

function checkOffsets(e: Encoding, len: number): void {
  let ps = 0;
  let pe = 0;
  let seq: number | null = null;
  for (let i = 0; i < e.length; i++) {
    if (e.sequenceIds[i] == null) continue;
    if (e.sequenceIds[i] !== seq) {
      seq = e.sequenceIds[i]!;
      ps = 0;
      pe = 0;
    }
    const s = e.starts[i]!;
    const t = e.ends[i]!;
    if (!(0 <= s && s <= t && t <= len)) throw new Error(`offset [${s}, ${t}] out of bounds for length ${len}`);
    if (s < ps || t < pe) throw new Error(`offsets not monotonic at ${i}: [${s}, ${t}] after [${ps}, ${pe}]`);
    ps = s;
    pe = t;
  }
  if (e.ids.length !== e.tokens.length || e.ids.length !== e.attentionMask.length || e.ids.length !== e.typeIds.length) throw new Error('lengths differ');
}

describe('property: 10,000+ random Unicode strings per tokenizer', () => {
  it('bert: no exception, offsets within bounds and monotonic, valid ids', () => {
    fc.assert(
      fc.property(text, (s) => {
        const e = bert.encode(s);
        checkOffsets(e, s.length);
        for (const id of e.ids) if (bert.idToToken(id) === undefined) return false;
        bert.decode(e.ids);
        return true;
      }),
      { numRuns: 10_000, seed: 42 },
    );
  });
  it('gpt2: no exception, offsets within bounds and monotonic, exact round trip for well-formed text', () => {
    fc.assert(
      fc.property(text, (s) => {
        const e = gpt2.encode(s);
        checkOffsets(e, s.length);
        const d = gpt2.decode(e.ids);
        return wellFormed(s) ? d === s : d.length > 0 || s.length === 0;
      }),
      { numRuns: 10_000, seed: 7 },
    );
  });
  it('bert pairs with truncation and stride: windows within bounds', () => {
    const t = fromFile(dataPath('vocab/bert-base-uncased/tokenizer.json')).enableTruncation({ maxLength: 12, stride: 3, strategy: 'only_second' });
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 8 }), text, (q, c) => {
        let e;
        try {
          e = t.encode(q, c);
        } catch (err) {
          // Only a question too long for the window is allowed to fail.
          return (err as Error).name === 'TokenizerConfigError';
        }
        for (const w of [e, ...e.overflowing]) {
          if (w.length > 12) return false;
          checkOffsets(w, Math.max(q.length, c.length));
        }
        return true;
      }),
      { numRuns: 2_000, seed: 3 },
    );
  });
});

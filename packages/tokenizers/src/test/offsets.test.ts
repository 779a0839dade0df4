import { describe, expect, it } from 'vitest';
import { BertNormalizer } from '../normalizers.js';
import { fromFile, fromGpt2Files } from '../node.js';
import type { Encoding } from '../encoding.js';
import type { Tokenizer } from '../tokenizer.js';
import { dataPath, llamaCases, readData, squadContexts } from './data.js';

const bert = fromFile(dataPath('vocab/bert-base-uncased/tokenizer.json'));
const gpt2 = fromGpt2Files(dataPath('vocab/gpt2/vocab.json'), dataPath('vocab/gpt2/merges.txt'));
const norm = new BertNormalizer();

function spans(tok: Tokenizer, text: string): Array<[string, string]> {
  const e = tok.encode(text, null, { addSpecialTokens: false });
  return e.tokens.map((t, i) => [t, text.slice(e.starts[i], e.ends[i])]);
}

/** For WordPiece: normalizing the original slice gives the token (without `##`). */
function checkBert(text: string, e: Encoding): string[] {
  const bad: string[] = [];
  e.tokens.forEach((t, i) => {
    if (e.sequenceIds[i] == null || t === '[UNK]') return;
    const slice = text.slice(e.starts[i], e.ends[i]);
    const n = norm.normalize({ text: slice, start: null, end: null }).text.replace(/ /g, '');
    const piece = t.startsWith('##') ? t.slice(2) : t;
    if (n !== piece && !n.includes(piece)) bad.push(`${t} <- ${JSON.stringify(slice)}`);
  });
  return bad;
}

function utf8Hex(s: string): string {
  return Buffer.from(s, 'utf8').toString('hex');
}
const CHAR_TO_BYTE = new Map<string, number>();
{
  // Rebuild GPT-2's table independently of the implementation.
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) (bs.push(b), cs.push(256 + n++));
  bs.forEach((b, i) => CHAR_TO_BYTE.set(String.fromCharCode(cs[i]!), b));
}
/** For byte-level BPE: the token's bytes lie inside the UTF-8 bytes of the original slice. */
function checkGpt2(text: string, e: Encoding): string[] {
  const bad: string[] = [];
  e.tokens.forEach((t, i) => {
    const hex = Buffer.from([...t].map((c) => CHAR_TO_BYTE.get(c)!)).toString('hex');
    const slice = text.slice(e.starts[i], e.ends[i]);
    if (!utf8Hex(slice).includes(hex)) bad.push(`${t} <- ${JSON.stringify(slice)}`);
  });
  return bad;
}

function monotonic(e: Encoding, len: number): boolean {
  for (let i = 0; i < e.length; i++) {
    if (e.sequenceIds[i] == null) continue;
    if (!(0 <= e.starts[i]! && e.starts[i]! <= e.ends[i]! && e.ends[i]! <= len)) return false;
    if (i > 0 && e.sequenceIds[i - 1] != null && (e.starts[i]! < e.starts[i - 1]! || e.ends[i]! < e.ends[i - 1]!)) return false;
  }
  return true;
}

describe('offsets are UTF-16 indices into the original text', () => {
  it('lower-casing, accents, CJK and astral chars', () => {
    expect(spans(bert, 'Héllo WORLD')).toEqual([
      ['hello', 'Héllo'],
      ['world', 'WORLD'],
    ]);
    // Decomposed accent: the mark is dropped, the token spans the base letter.
    expect(spans(bert, 'cafe\u0301!')).toEqual([
      ['cafe', 'cafe'],
      ['!', '!'],
    ]);
    expect(spans(bert, '中文abc')).toEqual([
      ['中', '中'],
      ['文', '文'],
      ['abc', 'abc'],
    ]);
    const e = bert.encode('x 😀 İstanbul', null, { addSpecialTokens: false });
    expect(e.tokens).toEqual(['x', '[UNK]', 'istanbul']);
    expect(e.offsets).toEqual([
      [0, 1],
      [2, 4],
      [5, 13],
    ]);
    expect(spans(bert, 'unaffable')).toEqual([
      ['una', 'una'],
      ['##ffa', 'ffa'],
      ['##ble', 'ble'],
    ]);
  });
  it('gpt2 offsets include the leading space, and astral chars span 2 units', () => {
    const e = gpt2.encode('Hi 😀 there');
    expect(e.tokens[0]).toBe('Hi');
    expect(e.offsets[0]).toEqual([0, 2]);
    const last = e.length - 1;
    expect(e.tokens[last]).toBe('Ġthere');
    expect('Hi 😀 there'.slice(e.starts[last], e.ends[last])).toBe(' there');
    for (let i = 1; i < last; i++) expect([e.starts[i], e.ends[i]]).toEqual(e.tokens[i]!.startsWith('Ġ') ? [2, 5] : [3, 5]);
  });
  it('pairs: offsets of the second sequence index into the second text', () => {
    const q = 'Who wrote it?';
    const c = 'It was written by Émile.';
    const e = bert.encode(q, c);
    const i = e.tokens.indexOf('emile');
    expect(e.sequenceIds[i]).toBe(1);
    expect(c.slice(e.starts[i], e.ends[i])).toBe('Émile');
    expect(e.typeIds[i]).toBe(1);
    expect(e.offsets[0]).toEqual([0, 0]); // [CLS]
  });
  it('SQuAD contexts and the edge cases slice back to their tokens (bert)', () => {
    const texts = [...squadContexts(), ...llamaCases('vocab/bert-base-uncased/reference/llamacpp-bert-bge').map((c) => c[0])];
    const bad: string[] = [];
    for (const t of texts) {
      const e = bert.encode(t);
      bad.push(...checkBert(t, e));
      if (!monotonic(e, t.length)) bad.push(`not monotonic: ${t.slice(0, 40)}`);
    }
    expect(bad).toEqual([]);
  });
  it('SQuAD contexts, fra-eng and the edge cases slice back to their tokens (gpt2)', () => {
    const texts = [
      ...squadContexts(),
      ...readData('translation/fra-eng/fra-first10k.txt').split('\n').slice(0, 3000),
      ...llamaCases('vocab/gpt2/reference/llamacpp-gpt-2').map((c) => c[0]),
    ];
    const bad: string[] = [];
    for (const t of texts) {
      const e = gpt2.encode(t);
      bad.push(...checkGpt2(t, e));
      if (!monotonic(e, t.length)) bad.push(`not monotonic: ${t.slice(0, 40)}`);
    }
    expect(bad).toEqual([]);
  });
});

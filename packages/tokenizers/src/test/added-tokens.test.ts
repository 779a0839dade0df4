/**
 * Added tokens matched in the raw text (`normalized: false`) and in the normalized text
 * (`normalized: true`), cross-checked against Hugging Face's Rust `tokenizers` (ids and
 * offsets, frozen in fixtures/added-tokens-rust.json by scripts/gen-added-reference.mjs) and
 * against `@huggingface/tokenizers` (ids; the JS port has no offsets).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { ADDED, digest, texts } from '../../scripts/added-cases.mjs';
import { Lowercase } from '../normalizers.js';
import { fromFile } from '../node.js';
import { Tokenizer } from '../tokenizer.js';
import { dataPath, readData } from './data.js';

const bertPath = dataPath('vocab/bert-base-uncased/tokenizer.json');
const base = JSON.parse(readFileSync(bertPath, 'utf8')) as { added_tokens: object[] };
const ref = JSON.parse(readFileSync(new URL('./fixtures/added-tokens-rust.json', import.meta.url), 'utf8')) as { results: string[] };
const all = texts(JSON.parse(readData('qa/squad-v1.1/dev-v1.1.shared.json')));

describe('added tokens: parity', () => {
  it('ids and offsets as the Rust library, raw and normalized tokens (lstrip, rstrip, single word)', () => {
    const t = Tokenizer.fromJSON({ ...base, added_tokens: [...base.added_tokens, ...ADDED] });
    const bad: string[] = [];
    all.forEach((x, i) => {
      const e = t.encode(x, null, { addSpecialTokens: false });
      if (digest([e.ids, e.offsets]) !== ref.results[i]) bad.push(`${JSON.stringify(x.slice(0, 60))}: ${JSON.stringify(e.tokens.slice(0, 20))}`);
    });
    expect(bad).toEqual([]);
    expect(ref.results.length).toBe(all.length);
  });
  it('ids as @huggingface/tokenizers (which ignores single_word, so those tokens are left out)', () => {
    const added = [...base.added_tokens, ...ADDED.filter((a) => !a.single_word)];
    const t = Tokenizer.fromJSON({ ...base, added_tokens: added });
    const hf = new HfTokenizer({ ...base, added_tokens: added }, {});
    for (const x of all) expect(t.encode(x).ids).toEqual(hf.encode(x).ids);
  });
});

describe('added tokens: normalized matching', () => {
  it('a normalized token matches in the normalized text, with offsets into the original', () => {
    const t = fromFile(bertPath);
    expect(t.addTokens(['[MyTok]'])).toBe(1);
    expect(t.addedTokens.at(-1)).toMatchObject({ content: '[MyTok]', special: false, normalized: true, id: 30522 });
    const x = 'Say [MYTOK] or [mytok]!';
    const e = t.encode(x, null, { addSpecialTokens: false });
    expect(e.tokens).toEqual(['say', '[MyTok]', 'or', '[MyTok]', '!']);
    expect(e.ids[1]).toBe(30522);
    expect(e.offsets.map(([s, f]) => x.slice(s, f))).toEqual(['Say', '[MYTOK]', 'or', '[mytok]', '!']);
    // Accents and astral chars before it keep the offsets exact.
    const y = '😀 Éa[MyTok]';
    const f = t.encode(y, null, { addSpecialTokens: false });
    expect(f.tokens).toEqual(['[UNK]', 'ea', '[MyTok]']);
    expect(f.offsets).toEqual([[0, 2], [3, 5], [5, 12]]);
    expect(t.decode(e.ids)).toBe('say [MyTok] or [MyTok]!');
  });
  it('normalized: false matches verbatim only; special tokens default to it', () => {
    const t = fromFile(bertPath);
    t.addTokens([{ content: '[Raw]', normalized: false }]);
    t.addSpecialTokens(['<S>']);
    expect(t.addedTokens.at(-1)).toMatchObject({ content: '<S>', special: true, normalized: false });
    expect(t.encode('[Raw] [raw] <S> <s>', null, { addSpecialTokens: false }).tokens).toEqual(['[Raw]', '[', 'raw', ']', '<S>', '<', 's', '>']);
  });
  it('follows a change of normalizer, and survives a tokenizer.json round trip', () => {
    const t = Tokenizer.fromVocab(['[UNK]', 'a'], { model: 'wordlevel' });
    t.addTokens(['XY']);
    expect(t.encode('a xy XY').tokens).toEqual(['a', 'XY', 'XY']);
    t.normalizer = null;
    expect(t.encode('a xy XY').tokens).toEqual(['a', '[UNK]', 'XY']);
    t.normalizer = new Lowercase();
    expect(t.encode('a xY').tokens).toEqual(['a', 'XY']);
    const back = Tokenizer.fromJSON(t.toString());
    expect(back.addedTokens.at(-1)).toMatchObject({ content: 'XY', normalized: true });
    expect(back.encode('a xY').toJSON()).toEqual(t.encode('a xY').toJSON());
  });
  it('lstrip / rstrip: the token absorbs the whitespace, and its offsets cover it (as HF)', () => {
    const t = fromFile(bertPath);
    t.addTokens([{ content: '<mask>', lstrip: true, rstrip: true }]);
    const x = 'a  <MASK>  b';
    const e = t.encode(x, null, { addSpecialTokens: false });
    expect(e.tokens).toEqual(['a', '<mask>', 'b']);
    expect(e.offsets).toEqual([[0, 1], [1, 11], [11, 12]]);
  });
});

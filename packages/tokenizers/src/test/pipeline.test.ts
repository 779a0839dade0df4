import { describe, expect, it } from 'vitest';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { Tokenizer } from '../tokenizer.js';
import { fromFile, fromGpt2Files, saveTokenizer } from '../node.js';
import { trainBpe, trainCharLevel, trainWordLevel, trainWordPiece } from '../trainers.js';
import { dataPath, readData, squadContexts, squadQuestions } from './data.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bertPath = dataPath('vocab/bert-base-uncased/tokenizer.json');
const bert = fromFile(bertPath);
const gpt2 = fromGpt2Files(dataPath('vocab/gpt2/vocab.json'), dataPath('vocab/gpt2/merges.txt'));

describe('batch API', () => {
  it('encodeBatch equals one-at-a-time (singles and pairs)', () => {
    const qs = squadQuestions().slice(0, 300);
    const cs = squadContexts().slice(0, 300);
    const singles = bert.encodeBatch(cs);
    cs.forEach((c, i) => expect(singles[i]!.toJSON()).toEqual(bert.encode(c).toJSON()));
    const pairs = bert.encodeBatch(qs.map((q, i) => [q, cs[i]!] as const));
    qs.forEach((q, i) => expect(pairs[i]!.toJSON()).toEqual(bert.encode(q, cs[i]).toJSON()));
    const g = gpt2.encodeBatch(cs);
    cs.forEach((c, i) => expect(g[i]!.ids).toEqual(gpt2.encode(c).ids));
    expect(bert.decodeBatch(singles.map((e) => e.ids))).toEqual(singles.map((e) => bert.decode(e.ids)));
  });
  it('batch padding pads to the longest with mask 0 and [PAD]', () => {
    const t = fromFile(bertPath).enablePadding();
    const [a, b] = t.encodeBatch(['hello world', 'hi']);
    expect(a!.ids).toEqual([101, 7592, 2088, 102]);
    expect(b!.ids).toEqual([101, 7632, 102, 0]);
    expect(b!.attentionMask).toEqual([1, 1, 1, 0]);
    expect(b!.tokens[3]).toBe('[PAD]');
    expect(b!.offsets[3]).toEqual([0, 0]);
    t.enablePadding({ length: 6, direction: 'left', padToMultipleOf: 4 });
    const c = t.encode('hi');
    expect(c.ids).toEqual([0, 0, 0, 0, 0, 101, 7632, 102]);
    t.enablePadding({ length: 500_000, direction: 'left' });
    const big = t.encode('hi');
    expect(big.length).toBe(500_000);
    expect(big.ids.slice(-3)).toEqual([101, 7632, 102]);
    expect(big.offsets[499_998]).toEqual([0, 2]);
  });
});

describe('pairs, truncation and overflowing windows', () => {
  it('pair template: type ids and special tokens', () => {
    const e = bert.encode('who?', 'me.');
    expect(e.tokens).toEqual(['[CLS]', 'who', '?', '[SEP]', 'me', '.', '[SEP]']);
    expect(e.typeIds).toEqual([0, 0, 0, 0, 1, 1, 1]);
    expect(e.specialTokensMask).toEqual([1, 0, 0, 1, 0, 0, 1]);
    expect(e.sequenceIds).toEqual([null, 0, 0, null, 1, 1, null]);
    expect(e.wordIds).toEqual([null, 0, 1, null, 0, 1, null]);
  });
  it('only_second with stride: QA windows over a long context', () => {
    const t = fromFile(bertPath).enableTruncation({ maxLength: 64, stride: 16, strategy: 'only_second' });
    const q = 'What is the name of the river?';
    const c = squadContexts().find((x) => bert.encode(x).length > 200)!;
    const full = bert.encode(c, null, { addSpecialTokens: false });
    const e = t.encode(q, c);
    const windows = [e, ...e.overflowing];
    expect(windows.length).toBeGreaterThan(1);
    const qLen = bert.encode(q, null, { addSpecialTokens: false }).length;
    const room = 64 - qLen - 3;
    const ctxIds: number[][] = windows.map((w) => w.ids.filter((_, i) => w.sequenceIds[i] === 1));
    windows.forEach((w, k) => {
      expect(w.length).toBeLessThanOrEqual(64);
      expect(w.ids[0]).toBe(101);
      expect(w.ids.slice(1, 1 + qLen)).toEqual(bert.encode(q, null, { addSpecialTokens: false }).ids);
      expect(ctxIds[k]).toEqual(full.ids.slice(k * (room - 16), k * (room - 16) + room));
      // Offsets still index into the context.
      w.tokens.forEach((tok, i) => {
        if (w.sequenceIds[i] === 1 && tok !== '[UNK]') expect(c.slice(w.starts[i], w.ends[i]).toLowerCase()).toContain(tok.replace('##', ''));
      });
    });
    // Consecutive windows share `stride` tokens.
    for (let k = 1; k < windows.length; k++) expect(ctxIds[k]!.slice(0, 16)).toEqual(ctxIds[k - 1]!.slice(room - 16));
    expect(ctxIds[windows.length - 1]!.at(-1)).toBe(full.ids.at(-1));
  });
  it('longest_first trims the longer sequence first; only_first; left direction', () => {
    const t = fromFile(bertPath).enableTruncation({ maxLength: 10 });
    const e = t.encode('a b c d e f g h', 'x y');
    expect(e.tokens).toEqual(['[CLS]', 'a', 'b', 'c', 'd', 'e', '[SEP]', 'x', 'y', '[SEP]']);
    const s = t.encode('a b c d e f g h i j k l');
    expect(s.tokens).toEqual(['[CLS]', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', '[SEP]']);
    expect(s.overflowing.map((o) => o.tokens)).toEqual([['[CLS]', 'i', 'j', 'k', 'l', '[SEP]']]);
    t.enableTruncation({ maxLength: 6, strategy: 'only_first', direction: 'left' });
    expect(t.encode('a b c d', 'x').tokens).toEqual(['[CLS]', 'c', 'd', '[SEP]', 'x', '[SEP]']);
  });
});

describe('added tokens and decode', () => {
  it('special tokens in the text are matched verbatim', () => {
    const e = bert.encode('hello [MASK] world[SEP]', null, { addSpecialTokens: false });
    expect(e.tokens).toEqual(['hello', '[MASK]', 'world', '[SEP]']);
    expect(e.offsets[1]).toEqual([6, 12]);
  });
  it('wordpiece decode joins ## pieces and skips special tokens', () => {
    const e = bert.encode("The unaffable man's dog, isn't it?");
    expect(bert.decode(e.ids)).toBe("the unaffable man's dog, isn't it?");
    expect(bert.decode(e.ids, { skipSpecialTokens: false })).toBe("[CLS] the unaffable man's dog, isn't it? [SEP]");
  });
});

describe('saving to tokenizer.json', () => {
  it('round-trips bert and gpt2, and the saved file loads in @huggingface/tokenizers with the same ids', () => {
    const dir = mkdtempSync(join(tmpdir(), 'heed-tok-'));
    const texts = squadContexts().slice(0, 50);
    for (const [name, t] of [
      ['bert', bert],
      ['gpt2', gpt2],
    ] as const) {
      const p = join(dir, `${name}.json`);
      saveTokenizer(t, p);
      const back = fromFile(p);
      const hf = new HfTokenizer(JSON.parse(readFileSync(p, 'utf8')) as object, {});
      for (const x of texts) {
        expect(back.encode(x).toJSON()).toEqual(t.encode(x).toJSON());
        expect(hf.encode(x).ids).toEqual(t.encode(x).ids);
      }
    }
    expect(Tokenizer.fromJSON(bert.toString()).toJSON()).toEqual(bert.toJSON());
  });
});

describe('training from the shared corpora', () => {
  const fra = readData('translation/fra-eng/fra-first10k.txt').split('\n').filter((l) => l.length > 0);
  const sst = readData('classification/sst2/dev.tsv')
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t')[0]!);
  it('WordPiece: vocab size, specials first, ## pieces, no [UNK] on training text', () => {
    const t = trainWordPiece(sst, { vocabSize: 2000 });
    expect(t.getVocabSize()).toBe(2000);
    expect(t.tokenToId('[PAD]')).toBe(0);
    expect(t.tokenToId('[UNK]')).toBe(1);
    expect([...t.getVocab().keys()].some((k) => k.startsWith('##'))).toBe(true);
    for (const s of sst.slice(0, 200)) {
      const e = t.encode(s);
      expect(e.tokens).not.toContain('[UNK]');
      expect(t.decode(e.ids).replace(/\s+/g, '')).toBe(s.normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase().replace(/\s+/g, ''));
    }
    expect(Tokenizer.fromJSON(t.toString()).encode(sst[0]!).ids).toEqual(t.encode(sst[0]!).ids);
  });
  it('byte-level BPE: exact round trip, merges compress', () => {
    const t = trainBpe(fra, { vocabSize: 1500 });
    expect(t.getVocabSize()).toBe(1500);
    let chars = 0;
    let toks = 0;
    for (const s of fra.slice(0, 500)) {
      const e = t.encode(s);
      expect(t.decode(e.ids)).toBe(s);
      chars += s.length;
      toks += e.length;
    }
    expect(chars / toks).toBeGreaterThan(2);
    // Unseen scripts still round-trip (every byte is in the alphabet).
    expect(t.decode(t.encode('東京 😀').ids)).toBe('東京 😀');
  });
  it('word-level and char-level with min frequency and [UNK]', () => {
    const w = trainWordLevel(sst, { minFrequency: 3 });
    const v = w.getVocab();
    expect(v.get('[PAD]')).toBe(0);
    expect(v.get('the')).toBeLessThan(8); // among the most frequent, right after the 5 specials
    expect(w.encode('the zzzunseenzzz film', null, { addSpecialTokens: false }).tokens).toEqual(['the', '[UNK]', 'film']);
    const c = trainCharLevel(fra, { minFrequency: 5 });
    expect(c.tokenToId('[UNK]')).toBe(1);
    const e = c.encode('Va ! 東');
    expect(e.tokens).toEqual(['V', 'a', ' ', '!', ' ', '[UNK]']);
    expect(e.offsets[5]).toEqual([5, 6]);
    expect(c.decode(c.encode('Salut !').ids)).toBe('Salut !');
  });
});

import { describe, expect, it } from 'vitest';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { Tokenizer } from '../tokenizer.js';
import { trainWordLevel } from '../trainers.js';
import { fromGpt2Files } from '../node.js';
import { dataPath, llamaCases, squadQuestions } from './data.js';

const questions = squadQuestions().slice(0, 800);
const edge = llamaCases('vocab/bert-base-uncased/reference/llamacpp-bert-bge').map((c) => c[0]);
const texts = [...questions, ...edge, 'Ｆｕｌｌｗｉｄｔｈ ﬁ ½ café 123456 x²', 'Ünïcödé Straße ΣΟΦΙΑ 東京'];

// A word-level vocabulary over everything the pipelines below can produce from `texts`.
const vocab = trainWordLevel([...texts, ...texts.map((t) => t.normalize('NFKC')), ...texts.map((t) => t.normalize('NFKD').replace(/\p{Mn}/gu, ''))], {
  minFrequency: 1,
  lowercase: false,
}).getVocab();
const vocabObj = Object.fromEntries(vocab);

// Only components where the JS port follows HF's Rust implementation: its `Whitespace` uses
// ASCII-only JS `\w`, and its `Punctuation` groups runs of punctuation; those two are tested below.
const configs: Array<[string, object, object]> = [
  ['NFKC + Lowercase / WhitespaceSplit', { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] }, { type: 'WhitespaceSplit' }],
  ['NFD + StripAccents / WhitespaceSplit', { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }] }, { type: 'WhitespaceSplit' }],
  ['NFKD / WhitespaceSplit + Digits', { type: 'NFKD' }, { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Digits', individual_digits: true }] }],
  ['NFC + Replace + Strip / WhitespaceSplit', { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { String: '?' }, content: ' ? ' }, { type: 'Strip', strip_left: true, strip_right: true }] }, { type: 'WhitespaceSplit' }],
  ['BertNormalizer(strip, cased) / Split regex', { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: true, lowercase: false }, { type: 'Split', pattern: { Regex: '\\s+' }, behavior: 'Removed', invert: false }],
];

describe('normalizers and pre-tokenizers agree with @huggingface/tokenizers', () => {
  it.each(configs)('%s', (_name, normalizer, pre_tokenizer) => {
    const json = { version: '1.0', normalizer, pre_tokenizer, model: { type: 'WordLevel', vocab: vocabObj, unk_token: '[UNK]' }, added_tokens: [], post_processor: null, decoder: null };
    const heed = Tokenizer.fromJSON(json);
    const hf = new HfTokenizer(json, {});
    const bad: string[] = [];
    for (const t of texts) {
      const e = heed.encode(t);
      // The JS port's WordLevel leaves unknown words unmapped (id undefined): compare tokens, unknown → [UNK].
      const ref = hf.tokenize(t).map((w: string) => (vocab.has(w) ? w : '[UNK]'));
      if (JSON.stringify(e.tokens) !== JSON.stringify(ref)) bad.push(t);
      for (let i = 0; i < e.length; i++) {
        expect(e.starts[i]).toBeGreaterThanOrEqual(i > 0 ? e.starts[i - 1]! : 0);
        expect(e.ends[i]).toBeLessThanOrEqual(t.length);
      }
    }
    expect(bad.map((t) => [t, heed.encode(t).tokens, hf.tokenize(t)])).toEqual([]);
  });
});

describe('documented details', () => {
  const wl = (pre: object) => Tokenizer.fromJSON({ model: { type: 'WordLevel', vocab: { '[UNK]': 0 }, unk_token: '[UNK]' }, pre_tokenizer: pre });
  const words = (pre: object, t: string) => {
    const e = wl(pre).encode(t);
    return e.offsets.map(([a, b]) => t.slice(a, b));
  };
  it('Whitespace is `\\w+|[^\\w\\s]+` with Unicode \\w (as HF Rust)', () => {
    expect(words({ type: 'Whitespace' }, "Hey Beyoncé, how's it? x²_1")).toEqual(['Hey', 'Beyoncé', ',', 'how', "'", 's', 'it', '?', 'x', '²', '_1']);
  });
  it('Punctuation isolates every punctuation char (as HF Rust)', () => {
    expect(words({ type: 'Punctuation' }, 'ok!!! (yes)')).toEqual(['ok', '!', '!', '!', ' ', '(', 'yes', ')']);
  });
  it('StripAccents drops all combining marks; BertNormalizer only Mn', () => {
    const t = 'ក\u17b6\u1793\u17cb';
    const strip = Tokenizer.fromJSON({ model: { type: 'WordLevel', vocab: { '[UNK]': 0 }, unk_token: '[UNK]' }, normalizer: { type: 'StripAccents' } });
    expect(strip.normalizer!.normalize({ text: t, start: null, end: null }).text).toBe('ក\u1793');
  });
  it('GPT-2: U+FEFF is not whitespace (as in Python regex / HF Rust)', () => {
    const g = fromGpt2Files(dataPath('vocab/gpt2/vocab.json'), dataPath('vocab/gpt2/merges.txt'));
    expect(g.encode(' \ufeff47').tokens).toEqual(['Ġï', '»', '¿', '47']); // JS-regex tokenizers give 'Ġ', 'ï', '»', '¿', '47'
  });
  it('fromVocab accepts arrays, Maps and objects', () => {
    const list = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'hello', '##s'];
    for (const v of [list, new Map(list.map((t, i) => [t, i])), Object.fromEntries(list.map((t, i) => [t, i]))]) {
      const t = Tokenizer.fromVocab(v);
      expect(t.encode('Hellos x').tokens).toEqual(['[CLS]', 'hello', '##s', '[UNK]', '[SEP]']);
      expect(t.decode(t.encode('hellos').ids)).toBe('hellos');
    }
  });
});

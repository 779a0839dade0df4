import { describe, expect, it } from 'vitest';
import { TokenizerConfigError, TokenizerError, TokenizerFormatError, TokenizerInputError } from '../errors.js';
import { Tokenizer } from '../tokenizer.js';
import { fromFile, fromGpt2Files } from '../node.js';
import { dataPath, readData, squadContexts } from './data.js';

const bertPath = dataPath('vocab/bert-base-uncased/tokenizer.json');
const bert = fromFile(bertPath);
const gpt2 = fromGpt2Files(dataPath('vocab/gpt2/vocab.json'), dataPath('vocab/gpt2/merges.txt'));
const bertJson = JSON.parse(readData('vocab/bert-base-uncased/tokenizer.json')) as Record<string, unknown>;

function formatError(f: () => unknown): TokenizerFormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TokenizerFormatError);
    expect(e).toBeInstanceOf(TokenizerError);
    return e as TokenizerFormatError;
  }
  throw new Error('expected a TokenizerFormatError');
}

function tinyBpe(model: Record<string, unknown>): Record<string, unknown> {
  return { model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2 }, merges: ['a b'], ...model }, pre_tokenizer: { type: 'ByteLevel' } };
}

describe('bad input text', () => {
  it('empty strings', () => {
    expect(bert.encode('').ids).toEqual([101, 102]);
    expect(bert.encode('', null, { addSpecialTokens: false }).ids).toEqual([]);
    expect(bert.encode('', '').ids).toEqual([101, 102, 102]);
    expect(gpt2.encode('').ids).toEqual([]);
    expect(bert.decode([])).toBe('');
    expect(gpt2.decode([])).toBe('');
    expect(bert.encodeBatch([])).toEqual([]);
  });
  it('lone surrogates: removed by BERT clean-up, U+FFFD bytes in byte-level BPE', () => {
    const e = bert.encode('a\ud800b \udc00c', null, { addSpecialTokens: false });
    expect(e.tokens).toEqual(['ab', 'c']);
    expect(e.offsets).toEqual([
      [0, 3],
      [5, 6], // the lone surrogate produced nothing, so the span starts at "c"

    ]);
    const g = gpt2.encode('x\ud83dy');
    expect(gpt2.decode(g.ids)).toBe('x\ufffdy');
    expect(g.ends[g.length - 1]).toBe(3);
  });
  it('control chars: removed by BERT, kept by byte-level BPE', () => {
    const t = 'a\u0000b\u0007c\u200bd\u001be\ufffdf\u0085g';
    const e = bert.encode(t, null, { addSpecialTokens: false });
    expect(e.tokens.join('').replaceAll('##', '')).toBe('abcdefg');
    expect(e.starts[0]).toBe(0);
    expect(e.ends[e.length - 1]).toBe(t.length);
    expect(gpt2.decode(gpt2.encode(t).ids)).toBe(t);
    expect(bert.encode('\u0000\u0001\u0002', null, { addSpecialTokens: false }).ids).toEqual([]);
  });
  it('unknown characters become [UNK] with their span', () => {
    const e = bert.encode('hi \u{1F9FF} there', null, { addSpecialTokens: false });
    expect(e.tokens).toEqual(['hi', '[UNK]', 'there']);
    expect(e.offsets[1]).toEqual([3, 5]);
  });
  it('a 1 MB string of real text is encoded in linear time (bert and gpt2)', () => {
    let text = '';
    for (const c of squadContexts()) {
      text += c + '\n';
      if (text.length > 1_000_000) break;
    }
    text = text.slice(0, 1_000_000);
    const t0 = performance.now();
    const e = bert.encode(text);
    const g = gpt2.encode(text);
    const ms = performance.now() - t0;
    expect(e.length).toBeGreaterThan(150_000);
    expect(e.ends[e.length - 2]).toBeLessThanOrEqual(text.length);
    expect(gpt2.decode(g.ids)).toBe(text);
    expect(ms).toBeLessThan(20_000); // generous: a hang/quadratic blow-up would take minutes
  });
  it('a 1 MB word without spaces: [UNK] for WordPiece, O(n log n) merges for BPE', () => {
    const word = 'ab'.repeat(500_000);
    expect(bert.encode(word, null, { addSpecialTokens: false }).tokens).toEqual(['[UNK]']);
    const g = gpt2.encode(word);
    expect(g.length).toBeGreaterThan(1000);
    expect(gpt2.decode(g.ids)).toBe(word);
    const spaces = ' '.repeat(1_000_000);
    expect(bert.encode(spaces, null, { addSpecialTokens: false }).ids).toEqual([]);
    expect(gpt2.decode(gpt2.encode(spaces).ids)).toBe(spaces);
  });
  it('1 MB of non-ASCII chars (accents, CJK, astral)', () => {
    const unit = 'Ça été 東京 🤗 naïve ';
    const text = unit.repeat(Math.ceil(1_000_000 / unit.length));
    const e = bert.encode(text, null, { addSpecialTokens: false });
    expect(e.tokens.slice(0, 7)).toEqual(['ca', 'et', '##e', '東', '京', '[UNK]', 'naive']);
    expect(e.ends[e.length - 1]).toBe(text.length - 1);
    expect(gpt2.decode(gpt2.encode(text).ids)).toBe(text);
  });
  it('wrong argument types throw TokenizerInputError', () => {
    expect(() => bert.encode(42 as unknown as string)).toThrow(TokenizerInputError);
    expect(() => bert.encode('a', 7 as unknown as string)).toThrow(TokenizerInputError);
    expect(() => bert.decode([999_999])).toThrow(TokenizerInputError);
    expect(() => bert.decode([1.5])).toThrow(/1\.5/);
    expect(() => bert.encodeBatch('abc' as unknown as string[])).toThrow(TokenizerInputError);
  });
  it('invalid truncation settings throw TokenizerConfigError', () => {
    const t = fromFile(bertPath);
    // As HF: the stride must be smaller than maxLength less a single sequence's 2 special tokens...
    expect(() => t.enableTruncation({ maxLength: 8, stride: 6, strategy: 'only_second' })).toThrow(TokenizerConfigError);
    // ...and than the room left for the truncated sequence.
    t.enableTruncation({ maxLength: 10, stride: 4, strategy: 'only_second' });
    expect(() => t.encode('a longer question here', 'a b c d e f g h i j k l')).toThrow(TokenizerConfigError);
    t.enableTruncation({ maxLength: 4, strategy: 'only_second' });
    expect(() => t.encode('a long question here', 'b')).toThrow(TokenizerConfigError);
    expect(() => t.encode('a single text that is too long')).toThrow(TokenizerConfigError);
    expect(() => t.enableTruncation({ maxLength: -1 })).toThrow(TokenizerConfigError);
  });
});

describe('malformed tokenizer files throw TokenizerFormatError naming the key', () => {
  const withModel = (m: Record<string, unknown>) => ({ ...bertJson, model: { ...(bertJson.model as object), ...m } });
  it('invalid JSON and non-objects', () => {
    expect(formatError(() => Tokenizer.fromJSON('{"model": ')).path).toBe('tokenizer.json');
    expect(formatError(() => Tokenizer.fromJSON('[]')).path).toBe('tokenizer.json');
    expect(formatError(() => Tokenizer.fromJSON('{}')).path).toBe('model');
  });
  it('missing keys', () => {
    expect(formatError(() => Tokenizer.fromJSON({ model: { type: 'WordPiece' } })).path).toBe('model.vocab');
    expect(formatError(() => Tokenizer.fromJSON({ model: { type: 'BPE', vocab: {} } })).path).toBe('model.merges');
    expect(formatError(() => Tokenizer.fromJSON({ model: {} })).path).toBe('model.type');
    expect(formatError(() => Tokenizer.fromJSON({ ...bertJson, normalizer: { lowercase: true } })).path).toBe('normalizer.type');
    expect(formatError(() => Tokenizer.fromJSON({ ...bertJson, added_tokens: [{ id: 1 }] })).path).toBe('added_tokens[0].content');
  });
  it('wrong types', () => {
    expect(formatError(() => Tokenizer.fromJSON(withModel({ vocab: ['a'] }))).path).toBe('model.vocab');
    expect(formatError(() => Tokenizer.fromJSON(withModel({ vocab: { a: 'x', '[UNK]': 1 } }))).path).toBe('model.vocab["a"]');
    expect(formatError(() => Tokenizer.fromJSON(withModel({ vocab: { a: -1 } }))).path).toBe('model.vocab["a"]');
    expect(formatError(() => Tokenizer.fromJSON(withModel({ max_input_chars_per_word: '100' }))).path).toBe('model.max_input_chars_per_word');
    expect(formatError(() => Tokenizer.fromJSON({ ...bertJson, normalizer: { type: 'BertNormalizer', lowercase: 'yes' } })).path).toBe('normalizer.lowercase');
    expect(formatError(() => Tokenizer.fromJSON(tinyBpe({ merges: 'a b' }))).path).toBe('model.merges');
    expect(formatError(() => Tokenizer.fromJSON(tinyBpe({ merges: [['a']] }))).path).toBe('model.merges[0]');
    expect(formatError(() => Tokenizer.fromJSON(tinyBpe({ merges: ['a b c'] }))).path).toBe('model.merges[0]');
    expect(formatError(() => Tokenizer.fromJSON({ ...bertJson, post_processor: { type: 'TemplateProcessing', single: 5 } })).path).toBe('post_processor.single');
  });
  it('references to unknown tokens', () => {
    const e = formatError(() => Tokenizer.fromJSON(tinyBpe({ merges: ['a b', 'a z'] })));
    expect(e.path).toBe('model.merges[1]');
    expect(e.message).toContain('"z"');
    expect(formatError(() => Tokenizer.fromJSON(tinyBpe({ merges: ['b a'] }))).message).toContain('"ba"');
    expect(formatError(() => Tokenizer.fromJSON(withModel({ unk_token: '<nope>' }))).path).toBe('model.unk_token');
    const pp = { type: 'TemplateProcessing', single: '[CLS] $A [SEP]', pair: '[CLS] $A [SEP] $B [SEP]', special_tokens: {} };
    expect(formatError(() => Tokenizer.fromJSON({ ...bertJson, post_processor: pp })).path).toBe('post_processor.single[0]');
  });
  it('unsupported component types', () => {
    expect(formatError(() => Tokenizer.fromJSON(withModel({ type: 'Unigram' }))).path).toBe('model.type');
    expect(formatError(() => Tokenizer.fromJSON({ ...bertJson, pre_tokenizer: { type: 'Nope' } })).path).toBe('pre_tokenizer.type');
    expect(formatError(() => Tokenizer.fromJSON({ ...bertJson, decoder: { type: 'Nope' } })).path).toBe('decoder.type');
  });
  it('malformed GPT-2 files and vocab.txt', () => {
    expect(formatError(() => Tokenizer.fromGpt2('{"a": 0', '')).path).toBe('vocab.json');
    expect(formatError(() => Tokenizer.fromGpt2('{"a": 0, "b": 1, "ab": 2}', '#version: 0.2\na b\nab\n')).path).toBe('merges.txt:3');
    expect(formatError(() => Tokenizer.fromGpt2('{"a": 0, "b": 1}', 'a b\n')).path).toBe('model.merges[0]');
    expect(formatError(() => Tokenizer.fromBertVocab('')).path).toBe('vocab.txt');
    expect(formatError(() => Tokenizer.fromBertVocab('a\nb\n')).path).toBe('model.unk_token');
    expect(formatError(() => fromFile('/nonexistent/tokenizer.json')).path).toBe('/nonexistent/tokenizer.json');
  });
});

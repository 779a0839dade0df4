import { describe, expect, it } from 'vitest';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { fromFile, fromGpt2Files, fromVocabFile } from '../node.js';
import { dataPath, llamaCases, readData, squadContexts } from './data.js';

const BERT = 'vocab/bert-base-uncased';
const bertJson = fromFile(dataPath(`${BERT}/tokenizer.json`));
const bertVocab = fromVocabFile(dataPath(`${BERT}/vocab.txt`));
const gpt2 = fromGpt2Files(dataPath('vocab/gpt2/vocab.json'), dataPath('vocab/gpt2/merges.txt'));

interface QRef {
  original: string;
  basic: string[];
  wordpiece: string[];
  ids: number[];
}

describe('BERT parity: SQuAD dev questions (HF Python BertTokenizer)', () => {
  const refs = JSON.parse(readData(`${BERT}/reference/squad_dev_question_tokens.shared.json`)) as QRef[];
  it('has the 8,859 shared questions', () => expect(refs.length).toBe(8859));
  for (const [name, tok] of [
    ['tokenizer.json', bertJson],
    ['vocab.txt', bertVocab],
  ] as const) {
    it(`matches ids and tokens on 100% of questions (${name})`, () => {
      const bad: string[] = [];
      for (const r of refs) {
        const e = tok.encode(r.original, null, { addSpecialTokens: false });
        if (JSON.stringify(e.ids) !== JSON.stringify(r.ids) || JSON.stringify(e.tokens) !== JSON.stringify(r.wordpiece)) bad.push(r.original);
      }
      expect(bad).toEqual([]);
    });
  }
  it('adds [CLS] and [SEP] with the template', () => {
    const r = refs[0]!;
    const e = bertJson.encode(r.original);
    expect(e.ids).toEqual([101, ...r.ids, 102]);
    expect(e.typeIds.every((t) => t === 0)).toBe(true);
    expect(e.attentionMask.every((t) => t === 1)).toBe(true);
    expect(e.specialTokensMask[0]).toBe(1);
  });
});

describe('llama.cpp edge cases (HF tokenizers)', () => {
  const bert = llamaCases(`${BERT}/reference/llamacpp-bert-bge`);
  const gpt = llamaCases('vocab/gpt2/reference/llamacpp-gpt-2');
  it('has 46 cases each', () => {
    expect(bert.length).toBe(46);
    expect(gpt.length).toBe(46);
  });
  it.each(bert.map((c, i) => [i, c[0], c[1]] as const))('bert case %i', (_i, text, ids) => {
    expect(bertJson.encode(text, null, { addSpecialTokens: false }).ids).toEqual(ids);
    expect(bertVocab.encode(text, null, { addSpecialTokens: false }).ids).toEqual(ids);
  });
  it.each(gpt.map((c, i) => [i, c[0], c[1]] as const))('gpt2 case %i', (_i, text, ids) => {
    const e = gpt2.encode(text);
    expect(e.ids).toEqual(ids);
    expect(gpt2.decode(e.ids)).toBe(text);
  });
});

describe('GPT-2 parity: encoded_tokens.json', () => {
  const ref = JSON.parse(readData('vocab/gpt2/reference/encoded_tokens.json')) as { text: string; encoded_text: string[]; bpe_tokens: string[]; token_ids: number[] };
  it('matches ids and BPE tokens, and decodes back', () => {
    const e = gpt2.encode(ref.text);
    expect(e.ids).toEqual(ref.token_ids);
    expect(e.tokens).toEqual(ref.bpe_tokens);
    expect(gpt2.decode(e.ids)).toBe(ref.text);
  });
});

describe('cross-check with @huggingface/tokenizers on every SQuAD context', () => {
  it('gives identical ids with [CLS]/[SEP]', () => {
    const hf = new HfTokenizer(JSON.parse(readData(`${BERT}/tokenizer.json`)) as object, {});
    const bad: number[] = [];
    squadContexts().forEach((c, i) => {
      if (JSON.stringify(bertJson.encode(c).ids) !== JSON.stringify(hf.encode(c).ids)) bad.push(i);
    });
    expect(bad).toEqual([]);
  });
});

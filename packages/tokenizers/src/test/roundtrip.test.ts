import { describe, expect, it } from 'vitest';
import { fromGpt2Files } from '../node.js';
import { dataPath, readData, squadContexts, squadQuestions } from './data.js';

const gpt2 = fromGpt2Files(dataPath('vocab/gpt2/vocab.json'), dataPath('vocab/gpt2/merges.txt'));

function nerSentences(text: string, tab: boolean): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (cur.length) out.push(cur.join(' '));
      cur = [];
      continue;
    }
    const w = tab ? line.split('\t')[0]! : line.split(' ')[0]!;
    if (w !== '-DOCSTART-') cur.push(w);
  }
  if (cur.length) out.push(cur.join(' '));
  return out;
}

const corpora: Array<[string, () => string[]]> = [
  ['SST-2 train', () => readData('classification/sst2/train.tsv').split('\n').slice(1)],
  ['SST-2 dev', () => readData('classification/sst2/dev.tsv').split('\n').slice(1)],
  ['fra-eng first 10k', () => readData('translation/fra-eng/fra-first10k.txt').split('\n')],
  ['SQuAD contexts', squadContexts],
  ['SQuAD questions', squadQuestions],
  ['CoNLL-2003 train tokens', () => nerSentences(readData('ner/conll2003/train.txt'), false)],
  ['CoNLL-2003 valid tokens', () => nerSentences(readData('ner/conll2003/valid.txt'), false)],
  ['WNUT-17 train tokens', () => nerSentences(readData('ner/wnut17/wnut17train.conll'), true)],
  ['WNUT-17 dev tokens', () => nerSentences(readData('ner/wnut17/emerging.dev.conll'), true)],
];

describe('byte-level BPE: decode(encode(x)) === x over every shared text corpus', () => {
  it.each(corpora)('%s', (_name, load) => {
    const texts = load();
    expect(texts.length).toBeGreaterThan(100);
    let bad = 0;
    let first = '';
    for (const t of texts) {
      if (gpt2.decode(gpt2.encode(t).ids) !== t) {
        if (bad++ === 0) first = t;
      }
    }
    expect(first).toBe('');
    expect(bad).toBe(0);
  });
  it('the whole fra-eng file (first 10k lines) as one text', () => {
    const t = readData('translation/fra-eng/fra-first10k.txt');
    expect(gpt2.decode(gpt2.encode(t).ids)).toBe(t);
  });
});

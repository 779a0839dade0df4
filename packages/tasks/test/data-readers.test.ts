/** Data readers on the real shared files (counts from its README) and on malformed input (typed errors naming file and line). */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../src/errors.js';
import { collect, parseConll, parseGlueTsv, parseSentencePairs, parseSquad, splitLines } from '../src/data/index.js';
import { readConll, readGlueExamples, readLines, readSentencePairs, readSquad } from '../src/node.js';
import { DATA } from './data.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'heed-tasks-data-'));
});

async function errorOf(p: Promise<unknown>): Promise<DataFormatError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(DataFormatError);
  return e as DataFormatError;
}

describe('fra-eng pairs', () => {
  it('streams all 162,446 pairs of the gzip file; the first 10k file matches its first lines', async () => {
    let n = 0;
    let first: { english: string; other: string } | undefined;
    let last = 0;
    for await (const p of readSentencePairs(join(DATA, 'translation/fra-eng/fra.txt.gz'))) {
      first ??= p;
      n++;
      last = p.line;
    }
    expect(n).toBe(162_446);
    expect(last).toBe(162_446);
    const head = await collect(readSentencePairs(join(DATA, 'translation/fra-eng/fra-first10k.txt')));
    expect(head).toHaveLength(10_000);
    expect(head[0]).toEqual({ ...first, line: 1 });
    expect(head[0]!.english).toBe('Go.');
  }, 60_000);

  it('malformed lines name the file and line', async () => {
    const e = await errorOf(collect(parseSentencePairs(['Go.\tVa !', 'no tab here'], 'pairs.txt')));
    expect(e.message).toBe('pairs.txt:2: expected "english<TAB>translation" (2 or 3 tab-separated columns), got 1');
    expect([e.source, e.line]).toEqual(['pairs.txt', 2]);
    await expect(collect(parseSentencePairs(['a\tb', '', ' \tb'], 'p'))).rejects.toThrow(/p:3: a sentence of the pair is empty/);
    const path = join(tmp, 'bad.txt.gz');
    await writeFile(path, gzipSync('Hi.\tSalut.\nGo.\tVa !\ttoo\tmany\n'));
    await expect(collect(readSentencePairs(path))).rejects.toThrow(`${path}:2: expected`);
    await expect(collect(readSentencePairs(join(tmp, 'missing.txt')))).rejects.toThrow(DataFormatError);
  });

  it('a corrupt gzip file gets a typed error', async () => {
    const path = join(tmp, 'corrupt.gz');
    const gz = gzipSync('a\tb\n'.repeat(1000));
    await writeFile(path, gz.subarray(0, gz.length - 20));
    const e = await errorOf(collect(readLines(path)));
    expect(e.message).toContain(path);
  });
});

describe('CoNLL', () => {
  it('CoNLL-2003 train: 14,041 sentences, 203,621 tokens, 946 documents; valid: 3,250 / 51,362 / 216', async () => {
    for (const [file, sents, toks, docs] of [
      ['train.txt', 14_041, 203_621, 946],
      ['valid.txt', 3_250, 51_362, 216],
    ] as const) {
      let s = 0;
      let t = 0;
      let maxDoc = -1;
      let first: string[] | undefined;
      for await (const sent of readConll(join(DATA, 'ner/conll2003', file))) {
        s++;
        t += sent.tokens.length;
        maxDoc = Math.max(maxDoc, sent.document);
        first ??= sent.tags;
        expect(sent.columns[0]).toHaveLength(4);
      }
      expect([s, t, maxDoc + 1]).toEqual([sents, toks, docs]);
      if (file === 'train.txt') expect(first).toEqual(['B-ORG', 'O', 'B-MISC', 'O', 'O', 'O', 'B-MISC', 'O', 'O']);
    }
  }, 60_000);

  it('WNUT-17: whitespace-only lines separate sentences: train 3,394 / 62,730; dev 1,009 / 15,733', async () => {
    for (const [file, sents, toks] of [
      ['wnut17train.conll', 3_394, 62_730],
      ['emerging.dev.conll', 1_009, 15_733],
    ] as const) {
      const all = await collect(readConll(join(DATA, 'ner/wnut17', file)));
      expect(all.length).toBe(sents);
      expect(all.reduce((a, x) => a + x.tokens.length, 0)).toBe(toks);
      expect(all.every((x) => x.document === 0)).toBe(true);
    }
  }, 60_000);

  it('parses docstarts, tab lines and blank runs; malformed lines name file and line', async () => {
    const lines = [
      '-DOCSTART- -X- -X- O',
      '',
      'EU NNP B-NP B-ORG',
      'rejects VBZ B-VP O',
      '',
      '',
      '-DOCSTART- -X- -X- O',
      'Peter NNP B-NP B-PER',
      '\t',
    ];
    const s = await collect(parseConll(lines, 'mini.txt'));
    expect(s.map((x) => [x.tokens, x.tags, x.document, x.line])).toEqual([
      [['EU', 'rejects'], ['B-ORG', 'O'], 0, 3],
      [['Peter'], ['B-PER'], 1, 8],
    ]);
    await expect(collect(parseConll(['a B-X', 'b c O'], 'f.txt'))).rejects.toThrow('f.txt:2: expected 2 columns as on the first token line, got 3');
    await expect(collect(parseConll(['a O', 'b X-PER'], 'f.txt'))).rejects.toThrow('f.txt:2: tag "X-PER" is not O, B-TYPE or I-TYPE');
    await expect(collect(parseConll(['lonely'], 'f.txt'))).rejects.toThrow(/f\.txt:1: expected a token and a tag/);
    await expect(collect(parseConll(['a\tO', '\tO'], 'w.conll'))).rejects.toThrow('w.conll:2: column 1 is empty');
    expect((await collect(parseConll(['a X-PER'], 'f', { iobTags: false })))[0]!.tags).toEqual(['X-PER']);
  });
});

describe('GLUE TSV', () => {
  it('SST-2: train 67,349 rows (37,569 positive), dev 872 (444 positive), trailing spaces kept', async () => {
    const train = await collect(readGlueExamples(join(DATA, 'classification/sst2/train.tsv')));
    expect(train).toHaveLength(67_349);
    expect(train.filter((x) => x.label === '1')).toHaveLength(37_569);
    const dev = await collect(readGlueExamples(join(DATA, 'classification/sst2/dev.tsv')));
    expect(dev).toHaveLength(872);
    expect(dev.filter((x) => x.label === '1')).toHaveLength(444);
    expect(dev[0]).toEqual({ text: "it 's a charming and often affecting journey . ", label: '1', line: 2 });
  }, 60_000);

  it('pairs, missing columns and ragged rows', async () => {
    const rows = await collect(parseGlueTsv(splitLines('sentence1\tsentence2\tlabel\na\tb\t1\n'), 'rte.tsv'));
    expect(rows).toEqual([{ fields: { sentence1: 'a', sentence2: 'b', label: '1' }, line: 2 }]);
    await expect(collect(parseGlueTsv(['sentence\tlabel', 'x\t1', 'y'], 'sst.tsv'))).rejects.toThrow(
      'sst.tsv:3: expected 2 tab-separated columns (sentence, label), got 1',
    );
    await expect(collect(parseGlueTsv(['text\tlabel'], 'sst.tsv', ['sentence']))).rejects.toThrow(
      /sst\.tsv:1: the header lacks column\(s\) "sentence"/,
    );
    await expect(collect(parseGlueTsv(['a\ta'], 'x.tsv'))).rejects.toThrow(/x\.tsv:1: header column 2 is empty or repeated/);
    await expect(collect(parseGlueTsv([], 'empty.tsv'))).rejects.toThrow(DataFormatError);
  });
});

describe('SQuAD v1.1', () => {
  it('the shared dev file: 38 articles, 1,724 paragraphs, 8,859 questions; answers point into the context', async () => {
    const ds = await readSquad(join(DATA, 'qa/squad-v1.1/dev-v1.1.shared.json'));
    expect([ds.version, ds.articles, ds.paragraphs, ds.examples.length]).toEqual(['1.1', 38, 1_724, 8_859]);
    let exact = 0;
    let answers = 0;
    for (const ex of ds.examples) {
      for (const a of ex.answers) {
        answers++;
        if (ex.context.slice(a.answerStart, a.answerStart + a.text.length) === a.text) exact++;
      }
    }
    expect(exact / answers).toBeGreaterThan(0.99);
  });

  it('syntax errors give the line; schema errors the JSON path', () => {
    const bad = '{\n "version": "1.1",\n "data": [\n  {"title": "x",, }\n ]\n}';
    expect(() => parseSquad(bad, 'dev.json')).toThrow(/^dev\.json:4: not valid JSON/);
    const noId = JSON.stringify({ version: '1.1', data: [{ title: 't', paragraphs: [{ context: 'abc', qas: [{ question: 'q?', answers: [] }] }] }] });
    expect(() => parseSquad(noId, 'd.json')).toThrow('d.json: data[0].paragraphs[0].qas[0].id: must be a string, got undefined');
    const badStart = JSON.stringify({
      data: [{ title: 't', paragraphs: [{ context: 'abc', qas: [{ id: '1', question: 'q', answers: [{ text: 'a', answer_start: 9 }] }] }] }],
    });
    expect(() => parseSquad(badStart, 'd.json')).toThrow(/answers\[0\]\.answer_start: must be an offset into the context \(0\.\.3\), got 9/);
    expect(() => parseSquad('[]', 'd.json')).toThrow(DataFormatError);
  });
});

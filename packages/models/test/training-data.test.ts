/** Training data: length bucketing under a token budget, seeded epochs, host batches, streamed files with resumable cursors. */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError, Rng, ShapeError } from '@heed/core';
import {
  BucketedData,
  ListSource,
  batchToTensors,
  bucketBatches,
  countTokens,
  padSequences,
  paddingMask,
  seq2seqCollate,
  type BatchSource,
  type DataCursor,
  type HostBatch,
} from '../src/index.js';
import { StreamingData, readLines } from '../src/node.js';
import { testHeed } from './helpers.js';

const DATA = process.env.HEED_DATA ?? join(import.meta.dirname, '../../../../shared/data');
const FRA = join(DATA, 'translation/fra-eng/fra-first10k.txt');

/** Collects every batch of an epoch with the cursor after it. */
async function collect(source: BatchSource, epoch: number, from?: DataCursor): Promise<{ batch: HostBatch; cursor: DataCursor }[]> {
  const out = [];
  for await (const b of source.batches(epoch, from)) out.push(b);
  return out;
}

const lengthsOf = (n: number, seed: number): number[] => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => 1 + rng.int(40));
};

describe('length bucketing', () => {
  it('respects the token budget and batch size, places every example exactly once, and is reproducible from the seed', () => {
    const lengths = lengthsOf(1000, 1);
    for (const opts of [{ tokenBudget: 256 }, { tokenBudget: 300, batchSize: 8 }, { batchSize: 32 }]) {
      const a = bucketBatches(lengths, opts, 7);
      const seen = a.flat().sort((x, y) => x - y);
      expect(seen).toEqual(lengths.map((_, i) => i));
      for (const b of a) {
        const padded = b.length * Math.max(...b.map((i) => lengths[i]!));
        if (opts.tokenBudget) expect(padded).toBeLessThanOrEqual(opts.tokenBudget);
        if (opts.batchSize) expect(b.length).toBeLessThanOrEqual(opts.batchSize);
      }
      expect(bucketBatches(lengths, opts, 7)).toEqual(a);
      expect(bucketBatches(lengths, opts, 8)).not.toEqual(a);
    }
    // Bucketing keeps padding low: under 10% of the padded tokens here (a random batching wastes ~45%).
    const batches = bucketBatches(lengths, { tokenBudget: 256 }, 3);
    const real = lengths.reduce((s, l) => s + l, 0);
    const padded = batches.reduce((s, b) => s + b.length * Math.max(...b.map((i) => lengths[i]!)), 0);
    expect(1 - real / padded).toBeLessThan(0.1);
    // Without shuffling: sorted by length, in order.
    expect(bucketBatches([5, 1, 3, 1], { batchSize: 2, shuffle: false }, 0)).toEqual([[1, 3], [2, 0]]);
  });

  it('an example longer than the budget is a typed error naming it', () => {
    expect(() => bucketBatches([3, 70, 2], { tokenBudget: 64 }, 0)).toThrow(/example 1 has 70 tokens, more than the token budget of 64/);
    expect(() => bucketBatches([3], {}, 0)).toThrow(/give tokenBudget, batchSize or both/);
    expect(() => bucketBatches([3], { batchSize: 0 }, 0)).toThrow(ArgumentError);
  });

  it('BucketedData: a new seeded order every epoch, every example once, and a cursor that continues the epoch', async () => {
    const examples = lengthsOf(300, 2).map((len, id) => ({ id, tokens: Array.from({ length: len }, (_, i) => 1 + ((id + i) % 50)) }));
    const data = new BucketedData(examples, {
      tokenBudget: 200,
      seed: 5,
      length: (e) => e.tokens.length,
      collate: (es) => ({ inputIds: padSequences(es.map((e) => e.tokens)), ids: { data: Int32Array.from(es, (e) => e.id), shape: [es.length] } }),
    });
    const ids = (bs: { batch: HostBatch }[]): number[] => bs.flatMap((b) => Array.from(b.batch.ids!.data));
    const e0 = await collect(data, 0);
    const e1 = await collect(data, 1);
    expect(e0.length).toBe(data.batchesPerEpoch);
    expect(e1.length).toBe(data.batchesPerEpoch);
    expect([...ids(e0)].sort((a, b) => a - b)).toEqual(examples.map((e) => e.id));
    expect([...ids(e1)].sort((a, b) => a - b)).toEqual(examples.map((e) => e.id));
    expect(ids(e1)).not.toEqual(ids(e0));
    for (const b of e0) expect(b.batch.inputIds!.shape[0]! * b.batch.inputIds!.shape[1]!).toBeLessThanOrEqual(200);
    const again = new BucketedData(examples, data.options);
    expect(ids(await collect(again, 1))).toEqual(ids(e1));
    const rest = await collect(again, 1, e1[9]!.cursor);
    expect(ids(rest)).toEqual(ids(e1.slice(10)));
    await expect(collect(again, 1, { batch: -2 })).rejects.toThrow(/cursor.batch must be a count/);
  });

  it('ListSource: fixed batches, reshuffled per epoch when asked', async () => {
    const list = [0, 1, 2, 3, 4].map((i) => ({ x: { data: Float32Array.of(i), shape: [1] } }));
    const order = async (s: ListSource, e: number, from?: DataCursor): Promise<number[]> =>
      (await collect(s, e, from)).map((b) => b.batch.x!.data[0]!);
    expect(await order(new ListSource(list), 3)).toEqual([0, 1, 2, 3, 4]);
    const shuffled = new ListSource(list, { shuffle: true, seed: 1 });
    const e0 = await order(shuffled, 0);
    expect([...e0].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(await order(shuffled, 0, { batch: 2 })).toEqual(e0.slice(2));
  });
});

describe('host batches', () => {
  it('padding, masks and the seq2seq collate (HF names, -100 labels at padding)', () => {
    expect(padSequences([[1, 2, 3], [4]], { padValue: 9 })).toEqual({ data: Int32Array.of(1, 2, 3, 4, 9, 9), shape: [2, 3] });
    expect(paddingMask([[1, 2, 3], [4]])).toEqual({ data: Uint8Array.of(1, 1, 1, 1, 0, 0), shape: [2, 3] });
    expect(() => padSequences([[1, 2, 3]], { length: 2 })).toThrow(/length 2 is shorter than the longest sequence \(3\)/);
    const b = seq2seqCollate({ padId: 0, bosId: 1, eosId: 2 })([{ source: [5, 6, 7], target: [8] }, { source: [9], target: [10, 11] }]);
    expect(b.inputIds).toEqual({ data: Int32Array.of(5, 6, 7, 9, 0, 0), shape: [2, 3] });
    expect(b.attentionMask).toEqual({ data: Uint8Array.of(1, 1, 1, 1, 0, 0), shape: [2, 3] });
    expect(b.decoderInputIds).toEqual({ data: Int32Array.of(1, 8, 0, 1, 10, 11), shape: [2, 3] });
    expect(b.labels).toEqual({ data: Int32Array.of(8, 2, -100, 10, 11, 2), shape: [2, 3] });
    expect(countTokens(b)).toBe(5);
    expect(countTokens({ attentionMask: b.attentionMask! })).toBe(4);
  });

  it('become tensors of the right dtypes on an engine; bad arrays are typed errors', async () => {
    const heed = await testHeed('cpu');
    const b = seq2seqCollate({ padId: 0, bosId: 1, eosId: 2 })([{ source: [5, 6], target: [8] }]);
    const t = batchToTensors(b, heed.engine);
    expect([t.inputIds!.dtype, t.attentionMask!.dtype, t.labels!.dtype]).toEqual(['int32', 'bool', 'int32']);
    expect(Array.from(await t.labels!.data())).toEqual([8, 2]);
    for (const x of Object.values(t)) x!.dispose();
    expect(() => batchToTensors({ x: { data: new Float32Array(3), shape: [2, 2] } }, heed.engine)).toThrow(ShapeError);
    const plain = { x: { data: [1, 2] as unknown as Float32Array, shape: [2] } };
    expect(() => batchToTensors(plain, heed.engine)).toThrow(/Float32Array, Int32Array or Uint8Array/);
    expect(heed.memory().numTensors).toBe(0);
    heed.dispose();
  });
});

describe('streaming from files', () => {
  it('readLines streams the shared fra-eng file with byte offsets, and continues exactly from any offset', async () => {
    const text = await readFile(FRA, 'utf8');
    const want = text.split('\n');
    if (want.at(-1) === '') want.pop();
    const got: { text: string; offset: number; next: number }[] = [];
    for await (const l of readLines(FRA, { chunkSize: 4096 })) got.push(l);
    expect(got.length).toBe(10_000);
    expect(got.map((l) => l.text)).toEqual(want);
    const bytes = await readFile(FRA);
    // Offsets are bytes (French accents take two): each line's bytes decode to its text.
    for (const i of [0, 17, 4321, 9999]) expect(bytes.subarray(got[i]!.offset, got[i]!.next).toString('utf8').replace(/\r?\n$/, '')).toBe(want[i]);
    const tail: string[] = [];
    for await (const l of readLines(FRA, { start: got[9990]!.offset, chunkSize: 7 })) tail.push(l.text);
    expect(tail).toEqual(want.slice(9990));
  });

  it('readLines: CRLF, no final newline, empty lines; bad offsets are typed errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'heed-lines-'));
    const path = join(dir, 'a.tsv');
    await writeFile(path, 'a\tb\r\n\r\nçé\tx\nlast');
    const lines: string[] = [];
    for await (const l of readLines(path, { chunkSize: 3 })) lines.push(l.text);
    expect(lines).toEqual(['a\tb', '', 'çé\tx', 'last']);
    await expect(readLines(path, { start: 1000 }).next()).rejects.toThrow(/past the end/);
    await expect(readLines(path, { start: -1 }).next()).rejects.toThrow(ArgumentError);
  });

  it('StreamingData: pools of the file bucketed under the budget, every pair once per epoch, seeded, resumable from any cursor', async () => {
    const words = new Map<string, number>();
    const ids = (s: string): number[] => s.split(' ').map((w) => words.get(w) ?? (words.set(w, words.size + 3), words.size + 2));
    const make = (): StreamingData<{ line: number; source: number[]; target: number[] }> =>
      new StreamingData(FRA, {
        parse: (line, n) => {
          const [en, fr] = line.split('\t');
          return en && fr && n < 3000 ? { line: n, source: ids(en), target: ids(fr) } : undefined;
        },
        length: (e) => Math.max(e.source.length, e.target.length) + 1,
        collate: (es) => ({
          ...seq2seqCollate({ padId: 0, bosId: 1, eosId: 2 })(es),
          line: { data: Int32Array.from(es, (e) => e.line), shape: [es.length] },
        }),
        tokenBudget: 256,
        poolSize: 700,
        seed: 11,
      });
    const data = make();
    const lines = (bs: { batch: HostBatch }[]): number[] => bs.flatMap((b) => Array.from(b.batch.line!.data));
    const e0 = await collect(data, 0);
    expect([...lines(e0)].sort((a, b) => a - b)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    for (const b of e0) {
      const [rows, len] = b.batch.labels!.shape as [number, number];
      expect(rows * Math.max(len, b.batch.inputIds!.shape[1]!)).toBeLessThanOrEqual(256);
    }
    // Pools follow the file: the first pool's batches hold lines 0..699 only.
    const firstPool = e0.filter((b) => b.cursor.pool === 0 || (b.cursor.pool === 1 && b.cursor.batch === 0));
    expect(Math.max(...lines(firstPool))).toBe(699);
    const e1 = await collect(make(), 1);
    expect(lines(e1)).not.toEqual(lines(e0));
    expect(lines(await collect(make(), 1))).toEqual(lines(e1));
    // Resume from cursors inside a pool and at a pool boundary.
    for (const k of [5, firstPool.length - 1, e0.length - 2]) {
      const rest = await collect(make(), 0, e0[k]!.cursor);
      expect(lines(rest)).toEqual(lines(e0.slice(k + 1)));
    }
    expect(await collect(make(), 0, e0.at(-1)!.cursor)).toEqual([]);
  });
});

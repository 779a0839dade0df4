/**
 * The pipeline framework end to end on a user's tiny models saved as model directories:
 * results against float64 host references, batching, flat memory, tasks as plugins (a
 * user's own task too), wrong-task directories and bad inputs.
 */
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PluginNotFoundError, type Heed, type Tensor } from '@heed/core';
import { ModelDirectoryError } from '@heed/models';
import {
  Pipeline,
  TaskInputError,
  TaskModelMismatchError,
  encodeBatch,
  padIdOf,
  taskTypes,
  type FillMaskPipeline,
  type HostTensor,
  type QuestionAnsweringPipeline,
  type TextClassificationPipeline,
  type TokenClassificationPipeline,
} from '../src/index.js';
import { pipeline } from '../src/node.js';
import { testHeed, tinyModelDir } from './helpers.js';
import {
  hostWeights,
  meanLogits,
  tinyTokenizer,
  tokenLogits,
  type TinyForSequenceClassification,
  type TinyForTokenClassification,
} from './tiny-models.js';

/** A user's own task: mean token embedding of a text (a feature extractor), with its own pipeline class. */
class SentenceVectorPipeline extends Pipeline<
  string,
  number[],
  { batchSize?: number },
  { lengths: number[]; encs: ReturnType<ReturnType<typeof tinyTokenizer>['encode']>[] }
> {
  readonly task = 'sentence-vector';
  preprocess(inputs: readonly string[]) {
    const encs = inputs.map((t) => this.parts.tokenizer.encode(t));
    return { encs, lengths: encs.map((e) => e.length) };
  }
  forward(pre: { encs: ReturnType<ReturnType<typeof tinyTokenizer>['encode']>[] }): Record<string, Tensor> {
    const b = encodeBatch(pre.encs, padIdOf(this.parts.tokenizer), this.heed.engine);
    return { emb: (this.parts.model as TinyForSequenceClassification).emb.forward(b.inputIds) };
  }
  postprocess(out: Record<string, HostTensor>, pre: { lengths: number[] }): number[][] {
    const { data, shape } = out.emb!;
    const [, s, d] = shape as [number, number, number];
    return pre.lengths.map((n, r) =>
      Array.from({ length: d }, (_, k) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += data[(r * s + i) * d + k]!;
        return acc / n;
      }),
    );
  }
}
const userTasks = taskTypes({ task: 'sentence-vector', architectures: [], create: (heed, parts, o) => new SentenceVectorPipeline(heed, parts, o) });

let heed: Heed;
const tok = tinyTokenizer();
const softmax = (x: number[]): number[] => {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
};

beforeAll(async () => {
  heed = await testHeed([userTasks]);
});
afterAll(() => heed.dispose());

describe('text-classification pipeline', () => {
  it('single texts and pairs, batched, against float64 host logits; memory stays flat', async () => {
    const { dir, model } = await tinyModelDir<TinyForSequenceClassification>(heed, 'TinyForSequenceClassification', {
      id2label: { 0: 'negative', 1: 'positive' },
    });
    const h = await hostWeights(model);
    model.dispose();
    const clf = await pipeline<TextClassificationPipeline>(heed, 'text-classification', dir);
    const texts = ['good film', 'bad film , the cat sat on the mat .', 'anna', '', 'xyzzy good'];
    const got = (await clf.run(texts, { batchSize: 2 })) as Array<{ label: string; score: number }>;
    texts.forEach((t, i) => {
      const p = softmax(meanLogits(h, tok.encode(t).ids));
      const best = p[1]! > p[0]! ? 1 : 0;
      expect(got[i]).toEqual({ label: ['negative', 'positive'][best], score: expect.closeTo(p[best]!, 5) });
    });
    // One input gives one result; pairs encode both texts.
    expect(await clf.run('good film')).toEqual(got[0]);
    const pair = await clf.run({ text: 'good film', textPair: 'bad film' }, { topK: null });
    const pp = softmax(meanLogits(h, tok.encode('good film', 'bad film').ids));
    expect((pair as Array<{ label: string; score: number }>).map((x) => x.score).sort()).toEqual(pp.map((x) => expect.closeTo(x, 5)).sort());
    await clf.run(texts);
    const before = heed.memory().numTensors;
    for (let i = 0; i < 50; i++) await clf.run(texts, { batchSize: 3 });
    expect(heed.memory().numTensors).toBe(before);
    await expect(clf.run([42 as unknown as string])).rejects.toThrow(TaskInputError);
    clf.dispose();
  });
});

describe('token-classification pipeline', () => {
  it('entities with offsets into the text; windows with a stride give the same entities', async () => {
    const labels = { 0: 'O', 1: 'B-PER', 2: 'I-PER', 3: 'B-LOC', 4: 'I-LOC' };
    const { dir, model } = await tinyModelDir<TinyForTokenClassification>(
      heed,
      'TinyForTokenClassification',
      { num_labels: 5, id2label: labels },
      11,
    );
    const h = await hostWeights(model);
    model.dispose();
    const ner = await pipeline<TokenClassificationPipeline>(heed, 'token-classification', dir);
    const text = 'Anna Smithson lives in Paris . The cat sat on the mat , in Paris .';
    const none = (await ner.run(text, { ignoreLabels: [] })) as Array<{
      entity: string;
      score: number;
      index: number;
      word: string;
      start: number;
      end: number;
    }>;
    const enc = tok.encode(text);
    expect(none).toHaveLength(enc.length - 2);
    for (const e of none) {
      const p = softmax(tokenLogits(h, enc.ids[e.index]!));
      const best = p.indexOf(Math.max(...p));
      expect(e.entity).toBe(Object.values(labels)[best]);
      expect(e.score).toBeCloseTo(p[best]!, 5);
      expect([e.start, e.end]).toEqual([enc.starts[e.index], enc.ends[e.index]]);
    }
    for (const aggregation of ['simple', 'first', 'average', 'max'] as const) {
      const whole = await ner.run(text, { aggregation });
      const windowed = await ner.run(text, { aggregation, maxLength: 8, stride: 2 });
      expect(windowed).toEqual(whole);
      // Word-level strategies give whole words; simple may start a group inside a word ("##son", as HF).
      const norm = (s: string): string => s.toLowerCase().replace(/ |##/g, '');
      for (const g of whole as Array<{ word: string; start: number; end: number }>) expect(norm(g.word)).toBe(norm(text.slice(g.start, g.end)));
    }
    const batch = await ner.run([text, '', 'paris'], { aggregation: 'simple', batchSize: 2 });
    expect(batch[0]).toEqual(await ner.run(text, { aggregation: 'simple' }));
    expect(batch[1]).toEqual([]);
    const before = heed.memory().numTensors;
    for (let i = 0; i < 20; i++) await ner.run([text, 'anna'], { maxLength: 8, stride: 2 });
    expect(heed.memory().numTensors).toBe(before);
    ner.dispose();
  });
});

describe('question-answering pipeline', () => {
  it('answers are spans of the context across windows; top-k; bad questions get typed errors', async () => {
    const { dir, model } = await tinyModelDir(heed, 'TinyForQuestionAnswering', {}, 5);
    model.dispose();
    const qa = await pipeline<QuestionAnsweringPipeline>(heed, 'question-answering', dir);
    const context = 'Anna lives in Paris . The cat sat on the mat . '.repeat(6).trim();
    const input = { question: 'where does anna live ?', context };
    const best = (await qa.run(input)) as { score: number; start: number; end: number; answer: string };
    expect(best.answer).toBe(context.slice(best.start, best.end));
    expect(best.score).toBeGreaterThan(0);
    const windowed = (await qa.run(input, { maxSeqLength: 16, docStride: 4, topK: 3 })) as Array<{
      score: number;
      answer: string;
      start: number;
      end: number;
    }>;
    expect(windowed).toHaveLength(3);
    expect(windowed[0]!.score).toBeGreaterThanOrEqual(windowed[1]!.score);
    for (const a of windowed) expect(a.answer).toBe(context.slice(a.start, a.end));
    // A context shorter than the question works.
    const short = (await qa.run({ question: 'where does anna live , the cat sat on the mat ?', context: 'Paris' })) as { answer: string };
    expect(short.answer).toBe('Paris');
    await expect(qa.run({ question: '  ', context })).rejects.toThrow(/empty question/);
    await expect(qa.run({ question: 'the cat sat on the mat '.repeat(4), context }, { maxSeqLength: 16, docStride: 4 })).rejects.toThrow(
      TaskInputError,
    );
    const before = heed.memory().numTensors;
    for (let i = 0; i < 20; i++) await qa.run([input, input], { maxSeqLength: 16, docStride: 4 });
    expect(heed.memory().numTensors).toBe(before);
    qa.dispose();
  });
});

describe('fill-mask pipeline', () => {
  it('proposals for the mask against float64 host logits', async () => {
    const { dir, model } = await tinyModelDir<TinyForTokenClassification>(heed, 'TinyForMaskedLM', {}, 9);
    const h = await hostWeights(model);
    model.dispose();
    const fm = await pipeline<FillMaskPipeline>(heed, 'fill-mask', dir);
    const out = (await fm.run('the [MASK] sat', { topK: 3 })) as Array<{ score: number; token: number; token_str: string; sequence: string }>;
    const p = softmax(tokenLogits(h, tok.tokenToId('[MASK]')!));
    const order = p.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
    expect(out.map((r) => r.token)).toEqual(order.slice(0, 3).map(([, i]) => i));
    expect(out[0]!.score).toBeCloseTo(order[0]![0], 5);
    await expect(fm.run('no mask here')).rejects.toThrow(/has no \[MASK\] token/);
    await expect(fm.run('the [MASK]', { targets: ['zebra'] })).rejects.toThrow(TaskInputError);
    fm.dispose();
  });
});

describe('tasks as plugins', () => {
  it("a user's own task registered in the user's ContainerModule loads like a built-in", async () => {
    const { dir, model } = await tinyModelDir<TinyForSequenceClassification>(heed, 'TinyForSequenceClassification', { tasks: ['sentence-vector'] });
    const h = await hostWeights(model);
    model.dispose();
    const p = await pipeline<SentenceVectorPipeline>(heed, 'sentence-vector', dir);
    const [v] = (await p.run(['the cat'])) as number[][];
    const ids = tok.encode('the cat').ids;
    const ref = Array.from({ length: 8 }, (_, k) => ids.reduce((a, id) => a + h.emb[id * 8 + k]!, 0) / ids.length);
    expect(v).toEqual(ref.map((x) => expect.closeTo(x, 5)));
    p.dispose();
    expect(heed.names(Symbol.for('heed.Pipeline'))).toEqual(
      expect.arrayContaining(['text-classification', 'token-classification', 'question-answering', 'fill-mask', 'sentence-vector']),
    );
  });

  it('a directory for another task names the task and the architecture; unknown tasks list the registered ones', async () => {
    const { dir, model } = await tinyModelDir(heed, 'TinyForMaskedLM');
    model.dispose();
    const before = heed.memory().numTensors;
    const err = await pipeline(heed, 'text-classification', dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskModelMismatchError);
    expect(err).toBeInstanceOf(ModelDirectoryError);
    expect((err as Error).message).toContain('task "text-classification" cannot run a model of architecture "TinyForMaskedLM"');
    expect(heed.memory().numTensors).toBe(before);
    const unknown = await pipeline(heed, 'summarization', dir).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(PluginNotFoundError);
    expect((unknown as Error).message).toContain('"question-answering"');
    await writeFile(join(dir, 'tokenizer.json'), '{oops');
    await expect(pipeline(heed, 'fill-mask', dir)).rejects.toThrow(/tokenizer files are malformed/);
  });
});

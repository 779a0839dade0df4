/**
 * The pipelines on @heed/models' BERT heads (small random configs saved as model
 * directories): batched, padded pipeline results equal the model run on each input alone,
 * with no padding (the reference), and memory stays flat.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor, type Heed, type Tensor } from '@heed/core';
import { createModel, type Model } from '@heed/models';
import { saveTokenizer } from '@heed/tokenizers/node';
import {
  TaskInputError,
  type FillMaskPipeline,
  type QuestionAnsweringPipeline,
  type TextClassificationPipeline,
  type TokenClassificationPipeline,
} from '../src/index.js';
import { pipeline } from '../src/node.js';
import { testHeed } from './helpers.js';
import { VOCAB, tinyTokenizer } from './tiny-models.js';

let heed: Heed;
const tok = tinyTokenizer();
const CONFIG = {
  vocab_size: VOCAB.length,
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 64,
};

beforeAll(async () => {
  heed = await testHeed();
});
afterAll(() => heed.dispose());

async function bertDir(type: string, extra: Record<string, unknown> = {}): Promise<{ dir: string; model: Model }> {
  const dir = await mkdtemp(join(tmpdir(), 'heed-tasks-bert-'));
  const model = createModel(heed, { architectures: [type], ...CONFIG, ...extra }, { seed: 17 });
  model.eval();
  await model.save(dir);
  saveTokenizer(tok, join(dir, 'tokenizer.json'));
  return { dir, model };
}

/** Runs the model alone on one encoding (no padding) and reads `name`. */
async function alone(model: Model, a: string, b: string | null, name: string): Promise<Float32Array> {
  const e = tok.encode(a, b);
  const n = e.length;
  const out = heed.tidy(() => {
    const o = model.forward({
      inputIds: tensor(Int32Array.from(e.ids), [1, n], 'int32'),
      tokenTypeIds: tensor(Int32Array.from(e.typeIds), [1, n], 'int32'),
    }) as Record<string, Tensor>;
    return o[name]!;
  });
  const d = (await out.data()) as Float32Array;
  out.dispose();
  return d;
}

const softmax = (x: ArrayLike<number>): number[] => {
  const a = Array.from(x);
  const m = Math.max(...a);
  const e = a.map((v) => Math.exp(v - m));
  const z = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / z);
};

describe('pipelines on BERT heads', () => {
  it('text-classification: padded batches of texts and pairs equal each input alone', async () => {
    const { dir, model } = await bertDir('BertForSequenceClassification', { id2label: { 0: 'negative', 1: 'positive' } });
    const clf = await pipeline<TextClassificationPipeline>(heed, 'text-classification', dir);
    const inputs = [{ text: 'good film' }, { text: 'the cat sat on the mat , anna lives in paris .', textPair: 'bad film' }, { text: '' }];
    const got = (await clf.run(inputs, { topK: null })) as Array<Array<{ label: string; score: number }>>;
    for (let i = 0; i < inputs.length; i++) {
      const p = softmax(await alone(model, inputs[i]!.text, inputs[i]!.textPair ?? null, 'logits'));
      const byLabel = Object.fromEntries(got[i]!.map((x) => [x.label, x.score]));
      expect(byLabel.negative).toBeCloseTo(p[0]!, 5);
      expect(byLabel.positive).toBeCloseTo(p[1]!, 5);
    }
    const before = heed.memory().numTensors;
    for (let i = 0; i < 10; i++) await clf.run(inputs);
    expect(heed.memory().numTensors).toBe(before);
    clf.dispose();
    model.dispose();
  });

  it('token-classification: token scores equal the model alone', async () => {
    const { dir, model } = await bertDir('BertForTokenClassification', { id2label: { 0: 'O', 1: 'B-PER', 2: 'I-PER', 3: 'B-LOC', 4: 'I-LOC' } });
    const ner = await pipeline<TokenClassificationPipeline>(heed, 'token-classification', dir);
    const texts = ['Anna Smithson lives in Paris .', 'the cat'];
    const got = (await ner.run(texts, { ignoreLabels: [] })) as Array<Array<{ entity: string; score: number; index: number }>>;
    for (let i = 0; i < texts.length; i++) {
      const logits = await alone(model, texts[i]!, null, 'logits');
      for (const e of got[i]!) {
        const p = softmax(logits.subarray(e.index * 5, e.index * 5 + 5));
        expect(e.score).toBeCloseTo(Math.max(...p), 5);
      }
      expect(got[i]).toHaveLength(tok.encode(texts[i]!).length - 2);
    }
    ner.dispose();
    model.dispose();
  });

  it('question-answering: a span of the context whose score equals the model alone', async () => {
    const { dir, model } = await bertDir('BertForQuestionAnswering');
    const qa = await pipeline<QuestionAnsweringPipeline>(heed, 'question-answering', dir);
    const q = { question: 'where does anna live ?', context: 'Anna lives in Paris . The cat sat on the mat .' };
    const [a] = (await qa.run([q, { question: 'the cat ?', context: 'good film' }])) as Array<{
      score: number;
      start: number;
      end: number;
      answer: string;
    }>;
    expect(a!.answer).toBe(q.context.slice(a!.start, a!.end));
    const { postprocessQuestionAnswering } = await import('../src/postprocess/index.js');
    const e = tok.encode(q.question, q.context);
    const ref = postprocessQuestionAnswering(q.context, [
      {
        startLogits: await alone(model, q.question, q.context, 'startLogits'),
        endLogits: await alone(model, q.question, q.context, 'endLogits'),
        sequenceIds: e.sequenceIds,
        wordIds: e.wordIds,
        starts: e.starts,
        ends: e.ends,
        clsIndex: 0,
      },
    ]);
    expect(a!.answer).toBe(ref[0]!.answer);
    expect(a!.score).toBeCloseTo(ref[0]!.score, 5);
    qa.dispose();
    model.dispose();
  });

  it('fill-mask: the top proposals equal the model alone', async () => {
    const { dir, model } = await bertDir('BertForMaskedLM');
    const fm = await pipeline<FillMaskPipeline>(heed, 'fill-mask', dir);
    const texts = ['the [MASK] sat on the mat .', 'anna [MASK]'];
    const got = (await fm.run(texts, { topK: 2 })) as Array<Array<{ token: number; score: number }>>;
    for (let i = 0; i < texts.length; i++) {
      const e = tok.encode(texts[i]!);
      const m = e.ids.indexOf(tok.tokenToId('[MASK]')!);
      const logits = await alone(model, texts[i]!, null, 'logits');
      const p = softmax(logits.subarray(m * VOCAB.length, (m + 1) * VOCAB.length));
      const best = p.indexOf(Math.max(...p));
      expect(got[i]![0]!.token).toBe(best);
      expect(got[i]![0]!.score).toBeCloseTo(p[best]!, 5);
    }
    fm.dispose();
    model.dispose();
  });

  it('empty, whitespace-only and very long inputs work (truncation or windows); impossible ones get typed errors', async () => {
    const long = 'anna lives in paris . the cat sat on the mat , '.repeat(200);
    const clfDir = await bertDir('BertForSequenceClassification');
    const clf = await pipeline<TextClassificationPipeline>(heed, 'text-classification', clfDir.dir);
    const res = (await clf.run(['', '   \t ', long, { text: long, textPair: long }])) as Array<{ label: string; score: number }>;
    expect(res.map((r) => r.label).every((l) => l === 'LABEL_0' || l === 'LABEL_1')).toBe(true);
    await expect(clf.run([{ text: 'x', textPair: 3 } as never])).rejects.toThrow(TaskInputError);
    clf.dispose();
    clfDir.model.dispose();

    const nerDir = await bertDir('BertForTokenClassification');
    const ner = await pipeline<TokenClassificationPipeline>(heed, 'token-classification', nerDir.dir);
    const tagged = (await ner.run([long, '  '], { ignoreLabels: [] })) as Array<Array<{ start: number; end: number }>>;
    expect(tagged[0]!.length).toBe(tok.encode(long).length - 2);
    expect(tagged[0]!.every((e, i) => i === 0 || e.start >= tagged[0]![i - 1]!.end)).toBe(true);
    expect(tagged[1]).toEqual([]);
    ner.dispose();
    nerDir.model.dispose();

    const qaDir = await bertDir('BertForQuestionAnswering');
    const qa = await pipeline<QuestionAnsweringPipeline>(heed, 'question-answering', qaDir.dir);
    const a = (await qa.run({ question: 'where ?', context: long })) as { answer: string; start: number; end: number };
    expect(a.answer).toBe(long.slice(a.start, a.end));
    await expect(qa.run({ question: long, context: 'paris' })).rejects.toThrow(/does not fit windows of 64 tokens/);
    await expect(qa.run({ question: 'where ?', context: '' })).rejects.toThrow(/empty context/);
    qa.dispose();
    qaDir.model.dispose();

    const fmDir = await bertDir('BertForMaskedLM');
    const fm = await pipeline<FillMaskPipeline>(heed, 'fill-mask', fmDir.dir);
    await expect(fm.run(`${long} [MASK]`)).rejects.toThrow(/more than the model's 64/);
    await expect(fm.run('')).rejects.toThrow(/has no \[MASK\] token/);
    fm.dispose();
    fmDir.model.dispose();
  });
});

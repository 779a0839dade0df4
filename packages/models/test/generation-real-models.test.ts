/**
 * Generation on the package's own models (untrained, random weights): every hypothesis of
 * beam search, greedy search and sampling scores what a teacher-forced forward pass gives
 * its tokens (so the sessions' caches and states follow `select`'s reordering), beam search
 * with k = 1 is greedy, and memory stays flat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logSoftmax, tensor, type Heed, type Tensor } from '@heed/core';
import { beamSearch, createModel, greedy, sample, type Generative, type Hypothesis, type Model } from '../src/index.js';
import { testHeed } from './helpers.js';

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const ids = (rows: number[][]): Tensor => tensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length], 'int32');

/** A model under test: how to build it, its decoding inputs, and the teacher-forced log-prob of a hypothesis of sentence i. */
interface Case {
  name: string;
  build: () => Model & Generative<unknown>;
  inputs: () => unknown;
  score: (model: Model & Generative<unknown>, i: number, h: Hypothesis) => Promise<number>;
}

/** Sum of log-softmax(logits)[pos + j, targets[j]] over j, for a [1, T, V] logits tensor. */
async function gatherSum(logits: Tensor, first: number, targets: number[]): Promise<number> {
  const lp = logSoftmax(logits);
  const values = (await lp.data()) as Float32Array;
  const V = logits.shape[2]!;
  logits.dispose();
  lp.dispose();
  return targets.reduce((s, v, j) => s + values[(first + j) * V + v]!, 0);
}

const targetsOf = (model: Generative<unknown>, h: Hypothesis): number[] => [...h.tokens, ...(h.finished ? [model.eosTokenId] : [])];

const SRC = [
  [3, 4, 5, 6, 7],
  [8, 9, 10, 11, 12],
];
const PROMPTS = [
  [1, 5, 6, 7],
  [1, 9, 4, 8],
];

function encoderDecoder(name: string, config: Record<string, unknown>): Case {
  return {
    name,
    build: () => createModel(heed, config, { seed: 7 }) as Model & Generative<unknown>,
    inputs: () => ({ inputIds: ids(SRC) }),
    score: async (model, i, h) => {
      const targets = targetsOf(model, h);
      const logits = model.forward({ inputIds: ids([SRC[i]!]), decoderInputIds: ids([[model.bosTokenId, ...targets.slice(0, -1)]]) }).logits!;
      return gatherSum(logits, 0, targets);
    },
  };
}

function languageModel(name: string, config: Record<string, unknown>, inputs: () => unknown): Case {
  return {
    name,
    build: () => createModel(heed, config, { seed: 7 }) as Model & Generative<unknown>,
    inputs,
    score: async (model, i, h) => {
      const targets = targetsOf(model, h);
      const prompt = PROMPTS[i]!;
      const logits = model.forward({ inputIds: ids([[...prompt, ...targets.slice(0, -1)]]) }).logits!;
      return gatherSum(logits, prompt.length - 1, targets);
    },
  };
}

const CASES: Case[] = [
  encoderDecoder('Transformer', {
    architectures: ['Transformer'],
    src_vocab_size: 13,
    tgt_vocab_size: 11,
    d_model: 16,
    num_heads: 2,
    encoder_layers: 2,
    decoder_layers: 2,
    ffn_dim: 24,
    dropout: 0,
    max_position_embeddings: 12,
  }),
  encoderDecoder('AttentionSeq2Seq (Bahdanau, LSTM, bidirectional)', {
    architectures: ['AttentionSeq2Seq'],
    src_vocab_size: 13,
    tgt_vocab_size: 11,
    embedding_size: 6,
    hidden_size: 8,
    cell: 'lstm',
    bidirectional: true,
  }),
  encoderDecoder('Seq2Seq (GRU, 2 layers)', {
    architectures: ['Seq2Seq'],
    src_vocab_size: 13,
    tgt_vocab_size: 11,
    embedding_size: 6,
    hidden_size: 8,
    num_layers: 2,
  }),
  languageModel(
    'TransformerLM',
    { architectures: ['TransformerLM'], vocab_size: 17, d_model: 16, num_heads: 2, num_layers: 2, ffn_dim: 32, dropout: 0 },
    () => ({ prompts: PROMPTS }),
  ),
  languageModel('RNNLM (LSTM)', { architectures: ['RNNLM'], vocab_size: 17, embedding_size: 8, hidden_size: 12 }, () => ({ inputIds: ids(PROMPTS) })),
];

describe.each(CASES)('generation on $name', ({ build, inputs, score }) => {
  it('beam n-best, greedy and samples score what teacher forcing gives (≤ 1e-4); k = 1 is greedy; memory flat', async () => {
    const model = build();
    model.eval();
    const run = async (): Promise<Hypothesis[][][]> => {
      const input = inputs();
      try {
        return [
          await beamSearch(model, input, { beamSize: 4, numReturn: 4, maxLength: 7, minLength: 4, lengthPenalty: { type: 'gnmt', alpha: 0.6 } }),
          await greedy(model, input, { maxLength: 7, minLength: 4 }),
          await sample(model, input, { maxLength: 7, minLength: 4, numReturn: 2, temperature: 1.5, seed: 3 }),
          await beamSearch(model, input, { beamSize: 1, maxLength: 7, minLength: 4 }),
        ];
      } finally {
        for (const t of Object.values(input as Record<string, unknown>)) {
          if (t && typeof (t as Tensor).dispose === 'function') (t as Tensor).dispose();
        }
      }
    };
    const first = await run();
    const before = heed.memory();
    const second = await run();
    expect(heed.memory().numTensors).toBe(before.numTensors);
    expect(heed.memory().numBytes).toBe(before.numBytes);
    expect(second).toEqual(first);
    const [beams, greedyOut, samples, beam1] = first as [Hypothesis[][], Hypothesis[][], Hypothesis[][], Hypothesis[][]];
    expect(beam1.map((l) => l.map((h) => h.tokens))).toEqual(greedyOut.map((l) => l.map((h) => h.tokens)));
    let checked = 0;
    let worst = 0;
    for (const out of [beams, greedyOut, samples]) {
      for (let i = 0; i < 2; i++) {
        for (const h of out[i]!) {
          worst = Math.max(worst, Math.abs(h.logProb - (await score(model, i, h))));
          checked++;
        }
      }
    }
    expect(checked).toBe(8 + 2 + 4);
    expect(worst).toBeLessThan(1e-4);
    for (const out of [beams, greedyOut, samples]) for (const list of out) for (const h of list) expect(h.tokens.length).toBeGreaterThanOrEqual(3);
    // and the beams are not all greedy's sequence
    for (let i = 0; i < 2; i++) expect(new Set(beams[i]!.map((h) => h.tokens.join(','))).size).toBe(4);
    model.dispose();
  });
});

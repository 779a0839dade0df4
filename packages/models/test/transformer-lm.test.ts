/** TransformerLM: cached decoding equals full recomputation (ragged and padded prompts, select), padding, loss, save/load, bad input. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adam, logSoftmax, tensor, variableGrads, type Heed, type Tensor } from '@heed/core';
import { SequenceLengthError, TransformerLM, createModel, greedy, type DecoderSession, type TransformerLMConfig } from '../src/index.js';
import { loadModel } from '../src/node.js';
import { testHeed } from './helpers.js';

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

const V = 17;
const SMALL: Partial<TransformerLMConfig> = {
  vocab_size: V,
  d_model: 16,
  num_heads: 2,
  num_layers: 2,
  ffn_dim: 32,
  dropout: 0.1,
  max_position_embeddings: 16,
};
const ids = (rows: number[][]): Tensor => tensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length], 'int32');

/** Log-probabilities [S, V] at every position of one unpadded sequence. */
async function fullLogProbs(model: TransformerLM, seq: number[]): Promise<Float32Array> {
  model.eval();
  const logits = model.forward({ inputIds: ids([seq]) }).logits;
  const lp = logSoftmax(logits);
  const out = (await lp.data()) as Float32Array;
  logits.dispose();
  lp.dispose();
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Drives a session with fixed continuations; compares each step with a full pass over prompt + fed tokens. */
async function checkAgainstFull(model: TransformerLM, session: DecoderSession, prompts: number[][], cont: number[][]): Promise<number> {
  let rows = prompts.map((_, i) => i);
  expect(Array.from(session.startTokens!)).toEqual(prompts.map((p) => p.at(-1)!));
  let worst = 0;
  for (let t = 0; t < 4; t++) {
    if (t === 2) {
      const sel = [1, 1, 0, 2].filter((r) => r < rows.length);
      session.select(Int32Array.from(sel));
      rows = sel.map((i) => rows[i]!);
    }
    const feed = rows.map((r) => (t === 0 ? prompts[r]!.at(-1)! : cont[r]![t - 1]!));
    const lp = session.step(Int32Array.from(feed));
    const got = (await lp.data()) as Float32Array;
    lp.dispose();
    for (let i = 0; i < rows.length; i++) {
      const seq = [...prompts[rows[i]!]!, ...cont[rows[i]!]!.slice(0, t)];
      const full = await fullLogProbs(model, seq);
      worst = Math.max(worst, maxAbsDiff(got.subarray(i * V, (i + 1) * V), full.subarray((seq.length - 1) * V, seq.length * V)));
    }
  }
  return worst;
}

describe('TransformerLM', () => {
  const prompts = [[1, 5, 6, 7, 8], [1, 9], [1, 3, 4]];
  const cont = [[10, 11, 12], [13, 14, 15], [16, 5, 6]];

  it('cached decoding of ragged host prompts equals full recomputation, also after select', async () => {
    const model = new TransformerLM(SMALL, { seed: 1 });
    const session = heed.tidy(() => model.startDecoding({ prompts }, { maxLength: 4 }));
    const worst = await checkAgainstFull(model, session, prompts, cont);
    console.log(`[transformer-lm] cached vs full, ragged prompts: max |Δ log p| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-5);
    session.dispose();
    model.dispose();
  });

  for (const side of ['left', 'right'] as const) {
    it(`${side}-padded prompt tensors decode as the unpadded prompts`, async () => {
      const model = new TransformerLM(SMALL, { seed: 2 });
      const S = 5;
      const pad = (p: number[]): number[] => (side === 'left' ? [...Array(S - p.length).fill(0), ...p] : [...p, ...Array(S - p.length).fill(0)]);
      const real = (p: number[]): boolean[] => pad(p.map(() => 1)).map((v) => v === 1);
      const batch = { inputIds: ids(prompts.map(pad)), attentionMask: tensor(prompts.map(real)) };
      const session = heed.tidy(() => model.startDecoding(batch, { maxLength: 4 }));
      const worst = await checkAgainstFull(model, session, prompts, cont);
      expect(worst).toBeLessThanOrEqual(1e-5);
      session.dispose();
      // Forward: padding does not change the outputs at real positions.
      model.eval();
      const out = model.forward({ inputIds: ids(prompts.map(pad)), attentionMask: tensor(prompts.map(real)) }).logits;
      const lp = (await logSoftmax(out).data()) as Float32Array;
      for (let r = 0; r < prompts.length; r++) {
        const alone = await fullLogProbs(model, prompts[r]!);
        const off = side === 'left' ? S - prompts[r]!.length : 0;
        expect(maxAbsDiff(lp.subarray((r * S + off) * V, (r * S + off + prompts[r]!.length) * V), alone)).toBeLessThan(1e-5);
      }
      model.dispose();
    });
  }

  it('greedy generation from a prompt equals repeated argmax over full passes', async () => {
    const model = new TransformerLM(SMALL, { seed: 3 });
    const [hyp] = await greedy(model, { prompts: [[1, 5, 6]] }, { maxLength: 5 });
    const seq = [1, 5, 6];
    for (let t = 0; t < hyp![0]!.tokens.length; t++) {
      const lp = await fullLogProbs(model, seq);
      const last = Array.from(lp.subarray((seq.length - 1) * V, seq.length * V));
      seq.push(last.indexOf(Math.max(...last)));
    }
    expect(hyp![0]!.tokens).toEqual(seq.slice(3));
    model.dispose();
  });

  it('loss: cross-entropy of logits[t] against labels[t+1], -100 ignored', async () => {
    const model = new TransformerLM({ ...SMALL, dropout: 0 }, { seed: 4 });
    const seq = [[1, 5, 6, 7], [1, 8, 9, 0]];
    const labels = [[1, 5, 6, 7], [1, 8, 9, -100]];
    const out = model.forward({ inputIds: ids(seq), labels: ids(labels) });
    const lp = (await logSoftmax(out.logits).data()) as Float32Array;
    let sum = 0;
    let n = 0;
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 3; t++) {
        const y = labels[b]![t + 1]!;
        if (y === -100) continue;
        sum -= lp[(b * 4 + t) * V + y]!;
        n++;
      }
    }
    expect((await out.loss!.data())[0]).toBeCloseTo(sum / n, 5);
    model.dispose();
  });

  it('saves and loads through the container with identical outputs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'heed-tlm-'));
    const model = createModel<TransformerLM>(heed, { architectures: ['TransformerLM'], ...SMALL }, { seed: 5 });
    model.eval();
    await model.save(dir);
    const loaded = await loadModel<TransformerLM>(heed, dir);
    expect(loaded).toBeInstanceOf(TransformerLM);
    expect(loaded.config).toEqual(model.config);
    expect([...loaded.stateDict().keys()].slice(0, 2)).toEqual(['wte.weight', 'wpe.weight']);
    const batch = { inputIds: ids([[1, 5, 6, 7]]) };
    expect(Array.from(await loaded.forward(batch).logits.data())).toEqual(Array.from(await model.forward(batch).logits.data()));
    model.dispose();
    loaded.dispose();
  });

  it('too-long sequences and bad prompts raise typed errors naming lengths; truncation by option', () => {
    const model = new TransformerLM(SMALL, { seed: 6 });
    const long = ids([Array.from({ length: 20 }, (_, i) => 1 + (i % 9))]);
    expect(() => model.forward({ inputIds: long })).toThrow(SequenceLengthError);
    expect(() => model.forward({ inputIds: long })).toThrow(/TransformerLM: inputIds has 20 positions, more than max_position_embeddings 16/);
    expect(() => model.startDecoding({ prompts: [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]] }, { maxLength: 8 })).toThrow(
      /a prompt of 10 tokens and maxLength 8 need 17 positions, more than max_position_embeddings 16/,
    );
    expect(() => model.startDecoding({ prompts: [[1, 2], []] })).toThrow(/prompt 1 has no tokens/);
    expect(() => model.startDecoding({ prompts: [[1, 17]] })).toThrow(/prompt 0 has token 17 at 1, outside the vocabulary \[0, 17\)/);
    expect(() => model.forward({ inputIds: ids([[1, 17]]) })).toThrow(/inputIds\[0\]\[1\] = 17 is outside \[0, 17\) \(vocab_size\)/);
    expect(() => model.startDecoding({ inputIds: ids([[1, 17]]) })).toThrow(/inputIds\[0\]\[1\] = 17 is outside the vocabulary/);
    heed.tidy(() => model.startDecoding({ inputIds: ids([[1, 99]]), attentionMask: tensor([[true, false]]) }).dispose());
    const s = model.startDecoding({ prompts: [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]] });
    heed.tidy(() => s.step(Int32Array.from([15])).dispose());
    heed.tidy(() => s.step(Int32Array.from([2])).dispose());
    expect(() => s.step(Int32Array.from([2]))).toThrow(/position 17 exceeds max_position_embeddings 16/);
    s.dispose();
    const cut = new TransformerLM({ ...SMALL, truncation: true }, { seed: 6 });
    const out = cut.forward({ inputIds: long, labels: long });
    expect(out.logits.shape).toEqual([1, 16, V]);
    expect(out.loss!.shape).toEqual([]);
    model.dispose();
    cut.dispose();
  });

  it('training steps and decoding sessions leave no tensors behind', () => {
    const model = new TransformerLM(SMALL, { seed: 7 });
    const opt = new Adam(1e-3);
    const x = ids([[1, 5, 6, 7], [0, 1, 8, 9]]);
    const mask = tensor([[true, true, true, true], [false, true, true, true]]);
    const step = (): void =>
      heed.tidy(() => {
        const loss = (): Tensor => model.forward({ inputIds: x, attentionMask: mask, labels: x }).loss!;
        const { value, grads } = variableGrads(loss, model.trainableParameters());
        opt.step(grads);
        value.dispose();
      });
    step();
    const before = heed.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    for (let i = 0; i < 2; i++) {
      const s = heed.tidy(() => model.startDecoding({ inputIds: x, attentionMask: mask }, { maxLength: 4 }));
      heed.tidy(() => s.step(s.startTokens!).dispose());
      heed.tidy(() => s.select(Int32Array.from([1, 0, 0])));
      heed.tidy(() => s.step(Int32Array.from([4, 5, 6])).dispose());
      s.dispose();
    }
    expect(model.training).toBe(true);
    expect(heed.memory().numTensors).toBe(before);
    opt.dispose();
    model.dispose();
  });

  it('outputAttentions: one [batch, heads, S, S] weight tensor per block, causal and padding-masked, rows summing to 1; logits unchanged', async () => {
    const model = new TransformerLM(SMALL, { seed: 11 });
    model.eval();
    const S = 5;
    const batch = {
      inputIds: ids([[0, 0, 1, 5, 6], [1, 7, 8, 9, 10], [1, 5, 6, 0, 0]]),
      attentionMask: tensor([[false, false, true, true, true], [true, true, true, true, true], [true, true, true, false, false]]),
    };
    const real = (await batch.attentionMask.data()) as Uint8Array;
    const before = heed.memory().numTensors;
    const plain = model.forward(batch);
    expect(plain.attentions).toBeUndefined();
    const out = model.forward(batch, { outputAttentions: true });
    expect(out.attentions).toHaveLength(SMALL.num_layers!);
    // The explicit weights path gives the fused kernel's logits (up to float32 rounding: the kernel sums in another order).
    expect(maxAbsDiff(await out.logits.data(), await plain.logits.data())).toBeLessThan(1e-6);
    for (const w of out.attentions!) {
      expect(w.shape).toEqual([3, SMALL.num_heads, S, S]);
      const v = (await w.data()) as Float32Array;
      for (let r = 0; r < 3; r++) {
        for (let h = 0; h < SMALL.num_heads!; h++) {
          for (let q = 0; q < S; q++) {
            if (!real[r * S + q]) continue;
            const row = v.subarray(((r * SMALL.num_heads! + h) * S + q) * S, ((r * SMALL.num_heads! + h) * S + q + 1) * S);
            let sum = 0;
            for (let k = 0; k < S; k++) {
              sum += row[k]!;
              if (k > q) expect(row[k]).toBe(0); // causal: nothing after the query
              if (!real[r * S + k]) expect(row[k]).toBe(0); // padding keys
            }
            expect(sum).toBeCloseTo(1, 5);
          }
        }
      }
    }
    for (const t of [plain.logits, out.logits, ...out.attentions!]) t.dispose();
    expect(heed.memory().numTensors).toBe(before);
    batch.inputIds.dispose();
    batch.attentionMask.dispose();
    model.dispose();
  });

  it('attention weights of a decoded sentence: forward on prompt + generated ids; the prompt rows equal the prompt alone', async () => {
    const model = new TransformerLM(SMALL, { seed: 12 });
    model.eval();
    const prompt = [1, 5, 6];
    const [hyp] = await greedy(model, { prompts: [prompt] }, { maxLength: 5 });
    const seq = [...prompt, ...hyp![0]!.tokens];
    const L = seq.length;
    const H = SMALL.num_heads!;
    const full = model.forward({ inputIds: ids([seq]) }, { outputAttentions: true });
    const alone = model.forward({ inputIds: ids([prompt]) }, { outputAttentions: true });
    // The decoded sentence is what the model predicts from its own prefix (greedy = argmax).
    const logits = (await full.logits.data()) as Float32Array;
    for (let t = prompt.length - 1; t < L - 1; t++) {
      const row = Array.from(logits.subarray(t * V, (t + 1) * V));
      expect(row.indexOf(Math.max(...row))).toBe(seq[t + 1]);
    }
    for (let l = 0; l < SMALL.num_layers!; l++) {
      const w = full.attentions![l]!;
      expect(w.shape).toEqual([1, H, L, L]);
      const v = (await w.data()) as Float32Array;
      const a = (await alone.attentions![l]!.data()) as Float32Array;
      const P = prompt.length;
      for (let h = 0; h < H; h++) {
        for (let q = 0; q < L; q++) {
          const row = v.subarray((h * L + q) * L, (h * L + q + 1) * L);
          expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
          for (let k = q + 1; k < L; k++) expect(row[k]).toBe(0);
          if (q < P) expect(maxAbsDiff(row.subarray(0, P), a.subarray((h * P + q) * P, (h * P + q + 1) * P))).toBeLessThan(1e-5);
        }
      }
    }
    for (const t of [full.logits, alone.logits, ...full.attentions!, ...alone.attentions!]) t.dispose();
    model.dispose();
  });
});

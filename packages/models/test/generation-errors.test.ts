import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, DTypeError, ShapeError, tensor, type Heed, type Tensor } from '@heed/core';
import { beamSearch, generate, greedy, sample, type DecoderSession, type Generative } from '../src/index.js';
import { HashLM } from './generation-models.js';
import { testHeed } from './helpers.js';

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

/** A session that misbehaves in one way; counts disposals. */
class Broken implements Generative<number> {
  readonly bosTokenId = 0;
  readonly eosTokenId = 1;
  readonly padTokenId = 2;
  disposed = 0;
  constructor(readonly fault: 'shape' | 'vocab' | 'dtype' | 'select' | 'start') {}
  startDecoding(rows: number): DecoderSession {
    const self = this;
    let n = rows;
    return {
      get rows() {
        return n;
      },
      vocabSize: 5,
      startTokens: this.fault === 'start' ? new Int32Array(rows + 1) : undefined,
      step(tokens: Int32Array): Tensor {
        if (self.fault === 'shape') return tensor(new Float32Array(5), [5]);
        if (self.fault === 'vocab') return tensor(new Float32Array(tokens.length * 4), [tokens.length, 4]);
        if (self.fault === 'dtype') return tensor(new Int32Array(tokens.length * 5), [tokens.length, 5], 'int32');
        return tensor(Float32Array.from({ length: tokens.length * 5 }, (_, i) => -1 - (i % 5)), [tokens.length, 5]);
      },
      select(indices: Int32Array): void {
        n = self.fault === 'select' ? indices.length + 1 : indices.length;
      },
      dispose(): void {
        self.disposed++;
      },
    };
  }
}

describe('generation bad input', () => {
  const model = (): HashLM => new HashLM(heed.engine, { vocab: 5 });

  it('beam size < 1 or not an integer', async () => {
    for (const beamSize of [0, -2, 1.5, Number.NaN]) {
      await expect(beamSearch(model(), [1], { beamSize })).rejects.toThrow(ArgumentError);
      await expect(beamSearch(model(), [1], { beamSize })).rejects.toThrow(/beamSize must be an integer ≥ 1/);
    }
    await expect(beamSearch(model(), [1], {} as never)).rejects.toThrow(/beamSize must be an integer ≥ 1, got undefined/);
    await expect(beamSearch(model(), [1], { beamSize: 2, numReturn: 3 })).rejects.toThrow(/numReturn \(3\) must not exceed beamSize \(2\)/);
  });

  it('top-p outside (0, 1], top-k < 1, temperature ≤ 0', async () => {
    for (const topP of [0, -0.1, 1.01, Number.NaN]) await expect(sample(model(), [1], { topP })).rejects.toThrow(/topP must be in \(0, 1\]/);
    await expect(sample(model(), [1], { topP: 0 })).rejects.toBeInstanceOf(ArgumentError);
    for (const topK of [0, 2.5]) await expect(sample(model(), [1], { topK })).rejects.toThrow(/topK must be an integer ≥ 1/);
    for (const temperature of [0, -1, Infinity]) {
      await expect(sample(model(), [1], { temperature })).rejects.toThrow(/temperature must be a finite number > 0/);
    }
    await expect(sample(model(), [1], { numReturn: 0 })).rejects.toThrow(/numReturn must be an integer ≥ 1/);
  });

  it('lengths: minLength > maxLength, maxLength < 1, non-integers; unknown strategy and penalty', async () => {
    await expect(greedy(model(), [1], { minLength: 6, maxLength: 5 })).rejects.toThrow(/minLength \(6\) must not exceed maxLength \(5\)/);
    await expect(beamSearch(model(), [1], { beamSize: 2, minLength: 6, maxLength: 5 })).rejects.toThrow(ArgumentError);
    await expect(sample(model(), [1], { maxLength: 0 })).rejects.toThrow(/maxLength must be an integer ≥ 1, got 0/);
    await expect(greedy(model(), [1], { minLength: -1 })).rejects.toThrow(/minLength must be an integer ≥ 0/);
    const nucleus = generate(model(), [1], { strategy: 'nucleus' } as never);
    await expect(nucleus).rejects.toThrow(/strategy must be 'greedy', 'beam' or 'sample', got nucleus/);
    const nan = beamSearch(model(), [1], { beamSize: 2, lengthPenalty: { type: 'gnmt', alpha: Number.NaN } });
    await expect(nan).rejects.toThrow(/alpha must be a finite number/);
    await expect(beamSearch(model(), [1], { beamSize: 2, lengthPenalty: { type: 'wu' } as never })).rejects.toThrow(/lengthPenalty.type must be/);
  });

  it('a session returning the wrong shape or dtype, or selecting wrongly, fails with a typed error and is disposed', async () => {
    const runs = {
      beam: (m: Broken) => beamSearch(m, 2, { beamSize: 3, maxLength: 4 }),
      greedy: (m: Broken) => greedy(m, 2, { maxLength: 4 }),
      sample: (m: Broken) => sample(m, 2, { maxLength: 4, numReturn: 3 }),
    };
    const cases = [
      ['shape', ShapeError, /DecoderSession.step returned shape \[5\]; expected \[rows, vocabSize\] = \[2, 5\]/],
      ['vocab', ShapeError, /returned shape \[2, 4\]; expected \[rows, vocabSize\] = \[2, 5\]/],
      ['dtype', DTypeError, /returned int32 log-probabilities; expected float32/],
      // greedy never selects here: its rows only leave when they emit EOS, which this session never prefers
      ['select', ShapeError, /DecoderSession.select kept (\d+) rows; expected \d+/],
      ['start', ShapeError, /has 2 rows but 3 startTokens/],
    ] as const;
    let checked = 0;
    for (const [fault, type, message] of cases) {
      for (const [name, run] of Object.entries(runs)) {
        if (fault === 'select' && name === 'greedy') continue;
        const broken = new Broken(fault);
        const before = heed.memory().numTensors;
        const error = await run(broken).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, `${fault} / ${name}`).toBeInstanceOf(type);
        expect((error as Error).message).toMatch(message);
        expect((error as Error).message).toMatch(new RegExp(`^${name === 'beam' ? 'beamSearch' : name}:`));
        expect(broken.disposed).toBe(1);
        expect(heed.memory().numTensors).toBe(before);
        checked++;
      }
    }
    expect(checked).toBe(14);
  });
});

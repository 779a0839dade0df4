import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setEngine, type Heed, type MemoryInfo } from '@heed/core';
import { beamSearch, generate, greedy, sample, type Hypothesis } from '../src/index.js';
import { TinyRnn } from './generation-models.js';
import { testHeed, type BackendName } from './helpers.js';

/** The model's log-probability of `h`, by forced decoding of its tokens in a fresh one-row session. */
async function forcedLogProb(model: TinyRnn, start: number, h: Hypothesis): Promise<number> {
  const session = model.startDecoding([start]);
  let sum = 0;
  let feed = start;
  try {
    for (const v of [...h.tokens, ...(h.finished ? [model.eosTokenId] : [])]) {
      const lp = model.engine.tidy(() => session.step(Int32Array.of(feed)));
      sum += (await lp.data())[v]!;
      lp.dispose();
      feed = v;
    }
  } finally {
    session.dispose();
  }
  return sum;
}

function engineMemory(m: MemoryInfo): [number, number, number] {
  return [m.numTensors, m.numDataBuffers, m.numBytes];
}

for (const backend of ['cpu', 'webgpu'] as BackendName[]) {
  describe(`generation on a tensor model (${backend})`, () => {
    let heed: Heed;
    let model: TinyRnn;
    beforeAll(async () => {
      heed = await testHeed(backend);
      model = new TinyRnn(heed.engine, 11, 16, 3);
    });
    afterAll(() => {
      model?.dispose();
      heed?.dispose();
    });

    it('memory stays flat over repeated greedy, beam and sampling runs (every step tidied, sessions disposed)', async () => {
      setEngine(heed.engine);
      const starts = [0, 3, 4, 5, 6, 7];
      const runs = [
        () => greedy(model, starts, { maxLength: 12 }),
        () => beamSearch(model, starts, { beamSize: 4, numReturn: 2, maxLength: 12, lengthPenalty: { type: 'gnmt', alpha: 0.6 } }),
        () => sample(model, starts, { maxLength: 12, numReturn: 3, topP: 0.9, seed: 1 }),
        () => generate(model, starts, { strategy: 'beam', beamSize: 2, maxLength: 12, minLength: 4 }),
      ];
      await runs[0]!(); // warm-up (pipelines, pools)
      const before = heed.memory();
      for (let round = 0; round < 3; round++) {
        for (const run of runs) {
          await run();
          expect(engineMemory(heed.memory())).toEqual(engineMemory(before));
        }
      }
      if (backend === 'cpu') expect(heed.memory().backend).toEqual(before.backend);
    });

    it('tensor sessions reorder correctly: n-best log-probs equal forced decoding; k = 1 equals greedy; batched = single', async () => {
      setEngine(heed.engine);
      const starts = [0, 5, 9];
      const nbest = await beamSearch(model, starts, { beamSize: 5, numReturn: 5, maxLength: 8, lengthPenalty: { type: 'power', exponent: 0.7 } });
      for (let i = 0; i < starts.length; i++) {
        expect(nbest[i]).toHaveLength(5);
        for (const h of nbest[i]!) expect(h.logProb).toBeCloseTo(await forcedLogProb(model, starts[i]!, h), 4);
      }
      const g = await greedy(model, starts, { maxLength: 8 });
      const b1 = await beamSearch(model, starts, { beamSize: 1, maxLength: 8 });
      expect(b1.map((l) => l.map((h) => h.tokens))).toEqual(g.map((l) => l.map((h) => h.tokens)));
      for (let i = 0; i < starts.length; i++) {
        const options = { beamSize: 5, numReturn: 5, maxLength: 8, lengthPenalty: { type: 'power', exponent: 0.7 } } as const;
        const single = await beamSearch(model, [starts[i]!], options);
        expect(single[0]!.map((h) => h.tokens)).toEqual(nbest[i]!.map((h) => h.tokens));
      }
    });
  });
}

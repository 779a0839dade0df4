/** BERT's parameter layout is Hugging Face's, key for key, for bert-base-uncased's config. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Heed } from '@heed/core';
import { createModel, type ModelConfig } from '../src/index.js';
import { testHeed } from './helpers.js';

const DATA = process.env.HEED_DATA ?? join(import.meta.dirname, '../../../../shared/data');
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/bert-base-uncased-layout.json'), 'utf8')) as {
  dtype: string;
  architectures: Record<string, Record<string, number[]>>;
};
const baseConfig = JSON.parse(readFileSync(join(DATA, 'vocab/bert-base-uncased/config.json'), 'utf8')) as ModelConfig;

let heed: Heed;
beforeAll(async () => {
  heed = await testHeed('cpu');
});
afterAll(() => heed.dispose());

/** The fixture's keys for a model with only encoder block 0 (what a 1-layer build of the same config must have). */
function firstBlockOnly(keys: Record<string, number[]>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(keys).filter(([k]) => !/encoder\.layer\.([1-9]|1[0-9])\./.test(k)));
}

function layoutOf(arch: string, overrides: ModelConfig = {}): { keys: Record<string, number[]>; count: number; config: ModelConfig } {
  const model = createModel(heed, { ...baseConfig, ...overrides, architectures: [arch] });
  try {
    const keys: Record<string, number[]> = {};
    for (const [k, v] of model.stateDict()) {
      expect(v.dtype).toBe('float32');
      keys[k] = [...v.shape];
    }
    return { keys, count: model.parameterCount(), config: model.toConfigJSON() };
  } finally {
    model.dispose();
  }
}

const sizeOf = (keys: Record<string, number[]>): number => Object.values(keys).reduce((n, s) => n + s.reduce((a, d) => a * d, 1), 0);

describe('BERT layout (bert-base-uncased)', () => {
  it("BertForPreTraining at full size has exactly HF's 206 keys and shapes (110,106,428 parameters)", () => {
    const expected = fixture.architectures.BertForPreTraining!;
    const { keys, count, config } = layoutOf('BertForPreTraining');
    expect(Object.keys(keys).sort()).toEqual(Object.keys(expected).sort());
    expect(keys).toEqual(expected);
    expect(count).toBe(110_106_428);
    expect(sizeOf(expected)).toBe(count);
    expect(config).toMatchObject({
      ...baseConfig,
      architectures: ['BertForPreTraining'],
      id2label: { 0: 'LABEL_0', 1: 'LABEL_1' },
      label2id: { LABEL_0: 0, LABEL_1: 1 },
    });
  });

  it('every encoder block of the fixture has the same 16 keys, so a one-block build checks the rest', () => {
    for (const keys of Object.values(fixture.architectures)) {
      const blocks = new Map<string, string[]>();
      for (const k of Object.keys(keys)) {
        const m = /encoder\.layer\.(\d+)\.(.*)$/.exec(k);
        if (m) blocks.set(m[1]!, [...(blocks.get(m[1]!) ?? []), `${m[2]!}:${keys[k]!.join('x')}`]);
      }
      expect([...blocks.keys()].map(Number).sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
      for (const v of blocks.values()) expect(v.sort()).toEqual(blocks.get('0')!.sort());
      expect(blocks.get('0')).toHaveLength(16);
    }
  });

  for (const arch of ['BertModel', 'BertForMaskedLM', 'BertForSequenceClassification', 'BertForTokenClassification', 'BertForQuestionAnswering']) {
    it(`${arch} has HF's keys and shapes (one encoder block of the same config)`, () => {
      const expected = firstBlockOnly(fixture.architectures[arch]!);
      const { keys, count } = layoutOf(arch, { num_hidden_layers: 1 });
      expect(Object.keys(keys).sort()).toEqual(Object.keys(expected).sort());
      expect(keys).toEqual(expected);
      expect(count).toBe(sizeOf(expected));
    });
  }
});

/** Learning-rate schedules at chosen steps, against values worked out by hand. */
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@heed/core';
import { constantSchedule, inverseSqrtSchedule, warmupSchedule } from '../src/index.js';

describe('learning-rate schedules', () => {
  it('constant', () => {
    const s = constantSchedule(3e-4);
    expect([1, 10, 10_000].map((t) => s.at(t))).toEqual([3e-4, 3e-4, 3e-4]);
    expect(s.config).toEqual({ type: 'constant', lr: 3e-4 });
  });

  it('linear warm-up then linear decay to 0 (peak 1e-3, 10 warm-up steps, 110 total)', () => {
    const s = warmupSchedule({ peak: 1e-3, warmupSteps: 10, totalSteps: 110 });
    expect(s.at(1)).toBeCloseTo(1e-4, 15);
    expect(s.at(5)).toBeCloseTo(5e-4, 15);
    expect(s.at(10)).toBe(1e-3);
    expect(s.at(60)).toBeCloseTo(5e-4, 15); // halfway through the decay
    expect(s.at(85)).toBeCloseTo(2.5e-4, 15);
    expect(s.at(110)).toBe(0);
    expect(s.at(500)).toBe(0);
  });

  it('linear warm-up then cosine decay to a floor', () => {
    const s = warmupSchedule({ peak: 2e-3, warmupSteps: 4, totalSteps: 104, decay: 'cosine', floor: 1e-4 });
    expect(s.at(2)).toBeCloseTo(1e-3, 15);
    expect(s.at(4)).toBe(2e-3);
    expect(s.at(54)).toBeCloseTo(1e-4 + 1.9e-3 * 0.5, 15); // p = 1/2: cos = 0
    expect(s.at(29)).toBeCloseTo(1e-4 + 1.9e-3 * (1 + Math.SQRT1_2) / 2, 15); // p = 1/4
    expect(s.at(104)).toBe(1e-4);
    expect(warmupSchedule({ peak: 1, warmupSteps: 2, totalSteps: 2, decay: 'none' }).at(50)).toBe(1);
    expect(warmupSchedule({ peak: 1, warmupSteps: 0, totalSteps: 10 }).at(1)).toBeCloseTo(0.9, 15);
  });

  it("the Transformer paper's inverse-square-root warm-up (d = 512, 4000 warm-up steps)", () => {
    const s = inverseSqrtSchedule({ dModel: 512, warmupSteps: 4000 });
    // t < warmup: t · 4000^−1.5 / √512; t > warmup: 1/√(512 t); they meet at t = 4000.
    expect(s.at(1)).toBeCloseTo(1 / (Math.sqrt(512) * 4000 ** 1.5), 15);
    expect(s.at(2000)).toBeCloseTo(2000 / (Math.sqrt(512) * 4000 ** 1.5), 15);
    expect(s.at(4000)).toBeCloseTo(1 / Math.sqrt(512 * 4000), 15);
    expect(s.at(16000)).toBeCloseTo(1 / Math.sqrt(512 * 16000), 15);
    expect(s.at(16000)).toBeCloseTo(s.at(4000) / 2, 15);
    expect(inverseSqrtSchedule({ dModel: 512, warmupSteps: 4000, factor: 2 }).at(9)).toBeCloseTo(2 * s.at(9), 15);
  });

  it('bad arguments are typed errors naming the parameter', () => {
    expect(() => constantSchedule(0)).toThrow(/lr must be a positive number/);
    expect(() => warmupSchedule({ peak: 1, warmupSteps: 20, totalSteps: 10 })).toThrow(/totalSteps must be an integer >= 20/);
    expect(() => warmupSchedule({ peak: 1, warmupSteps: 1, totalSteps: 10, floor: 2 })).toThrow(/floor must be in \[0, peak\]/);
    expect(() => inverseSqrtSchedule({ dModel: 0, warmupSteps: 10 })).toThrow(ArgumentError);
    expect(() => constantSchedule(1).at(0)).toThrow(/steps count from 1/);
  });
});

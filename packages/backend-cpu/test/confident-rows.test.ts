/**
 * Rows dominated by one logit: the small terms of the log-sum-exp must not be rounded away
 * (a near-zero cross-entropy keeps its relative accuracy).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Engine, Rng, ops } from '@heed/core';
import { CpuBackend } from '../src/index.js';

let engine: Engine;
beforeAll(() => {
  engine = new Engine(new CpuBackend());
});
afterAll(() => engine.dispose());

it('cross-entropy of confident rows is accurate relative to its tiny value', async () => {
  const rows = 16;
  const cols = 3072;
  const rng = new Rng(5);
  const x = Float32Array.from({ length: rows * cols }, () => rng.normal());
  const labels = Int32Array.from({ length: rows }, (_, r) => (r * 97) % cols);
  labels.forEach((l, r) => (x[r * cols + l] = 30));
  const loss = await ops
    .crossEntropy(ops.tensor(x, [rows, cols], 'float32', { engine }), ops.tensor(labels, [rows], 'int32', { engine }), { reduction: 'none' })
    .data();
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
    const m = Math.max(...row);
    const want = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)) - row[labels[r]!]!;
    expect(want).toBeLessThan(1e-8);
    expect(Math.abs(loss[r]! - want) / want).toBeLessThan(1e-3);
  }
});

/**
 * The pair-truncation cross-check cases, shared by the fixture generator
 * (gen-truncation-reference.mjs) and the test (src/test/truncation.test.ts).
 * Pairs from the SQuAD dev set: question/context, context/question, context/next context.
 */
import { createHash } from 'node:crypto';

export const MAX_LENGTHS = [64, 128, 384];
export const STRIDES = [0, 32, 128];
export const STRATEGIES = ['longest_first', 'only_first', 'only_second'];
export const DIRECTIONS = ['right', 'left'];

/** Every configuration: right-truncation for all, left for stride 32 only (keeps the test fast). */
export function configs() {
  const out = [];
  for (const maxLength of MAX_LENGTHS)
    for (const stride of STRIDES)
      for (const strategy of STRATEGIES)
        for (const direction of DIRECTIONS) if (direction === 'right' || stride === 32) out.push({ maxLength, stride, strategy, direction });
  return out;
}

/** The pairs: 200 question/context, 50 context/question, 50 context/context. */
export function pairs(squad) {
  const paras = squad.data.flatMap((a) => a.paragraphs);
  const out = [];
  for (let i = 0; i < 200; i++) {
    const p = paras[(i * 7) % paras.length];
    out.push([p.qas[i % p.qas.length].question, p.context]);
  }
  for (let i = 0; i < 50; i++) {
    const p = paras[(i * 13 + 3) % paras.length];
    out.push([p.context, p.qas[0].question]);
  }
  for (let i = 0; i < 50; i++) {
    const j = (i * 17 + 5) % (paras.length - 1);
    out.push([paras[j].context, paras[j + 1].context]);
  }
  return out;
}

/** A short digest of the windows, each `[ids, typeIds, offsets]`, main window first. */
export function digest(windows) {
  return createHash('sha1').update(JSON.stringify(windows)).digest('hex').slice(0, 12);
}

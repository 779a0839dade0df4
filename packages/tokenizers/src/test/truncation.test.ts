/**
 * Pair truncation (longest_first, only_first, only_second; stride; left/right) with the
 * overflow windows, cross-checked against Hugging Face's Rust `tokenizers` (frozen in
 * fixtures/truncation-rust.json by scripts/gen-truncation-reference.mjs) on 300 SQuAD pairs,
 * and the untruncated pairs against `@huggingface/tokenizers` (the JS port has no truncation).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { configs, digest, pairs } from '../../scripts/truncation-cases.mjs';
import { TokenizerConfigError } from '../errors.js';
import { fromFile } from '../node.js';
import { dataPath, readData } from './data.js';

const bertPath = dataPath('vocab/bert-base-uncased/tokenizer.json');
const ref = JSON.parse(readFileSync(new URL('./fixtures/truncation-rust.json', import.meta.url), 'utf8')) as { results: string[][]; counts: Record<string, number> };
const ps = pairs(JSON.parse(readData('qa/squad-v1.1/dev-v1.1.shared.json')));
const cs = configs();

describe('pair truncation: parity with the Rust tokenizers library', () => {
  it('ids, typeIds, offsets and the overflow windows in order, or an error where Rust refuses', () => {
    const t = fromFile(bertPath);
    const bad: string[] = [];
    let checked = 0;
    cs.forEach((c, k) => {
      if (ref.results[0]![k] === 'config') {
        // Rust refuses the configuration itself (stride >= maxLength - 2).
        expect(() => t.enableTruncation(c)).toThrow(TokenizerConfigError);
        return;
      }
      t.enableTruncation(c);
      ps.forEach(([a, b], i) => {
        const want = ref.results[i]![k]!;
        let got: string;
        try {
          const e = t.encode(a, b);
          got = digest([e, ...e.overflowing].map((w) => [w.ids, w.typeIds, w.offsets]));
        } catch (err) {
          if (!(err instanceof TokenizerConfigError)) throw err;
          got = 'error';
        }
        // Where Rust panics (stride not smaller than a truncated sequence's room), heed throws.
        if (got !== (want === 'panic' ? 'error' : want)) bad.push(`pair ${i} ${JSON.stringify(c)}: ${got} != ${want}`);
        checked++;
      });
    });
    expect(bad.slice(0, 5)).toEqual([]);
    expect(checked).toBe(ps.length * cs.filter((_, k) => ref.results[0]![k] !== 'config').length);
  });

  it('untruncated pairs: the same ids and type ids as @huggingface/tokenizers', () => {
    const t = fromFile(bertPath);
    const hf = new HfTokenizer(JSON.parse(readFileSync(bertPath, 'utf8')) as object, {});
    for (const [a, b] of ps) {
      const e = t.encode(a, b);
      const h = hf.encode(a, { text_pair: b, return_token_type_ids: true });
      expect(e.ids).toEqual(h.ids);
      expect(e.typeIds).toEqual(h.token_type_ids);
    }
  });
});

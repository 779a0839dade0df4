/**
 * Writes src/test/fixtures/truncation-rust.json: what Hugging Face's Rust `tokenizers`
 * (its Node binding, npm `tokenizers` 0.23.2, the only build of the binding the npm registry
 * has for linux-x64) gives for the pair-truncation cases of truncation-cases.mjs with
 * bert-base-uncased. Not a dependency of the package; run by hand:
 *
 *   npm install --prefix /tmp/rusttok tokenizers@0.23.2
 *   TOKENIZERS_RUST=/tmp/rusttok/node_modules/tokenizers node scripts/gen-truncation-reference.mjs
 *
 * Since 0.23.1 Rust's `encode` with truncation stops tokenizing a sequence once it has
 * `max_length` tokens (huggingface/tokenizers#2091, fix open in #2098), which drops or cuts
 * the overflow windows. So each sequence is encoded whole, without truncation, and the
 * pair goes through the binding's `postProcess` (Rust's `post_process`: truncate_encodings,
 * the template, `Encoding::merge_with`), which is what `encode` did up to 0.22.
 *
 * The Rust library panics (and the binding aborts the process) when the stride is not
 * smaller than a truncated sequence's room; those cases are predicted and recorded as
 * "panic" without calling it; configurations its setTruncation refuses (stride not smaller
 * than maxLength less a single sequence's special tokens) as "config". Only the top-level
 * windows are recorded (`[e, ...e.getOverflowing()]`, what `transformers` returns): when
 * both sequences overflow, Rust's `Encoding::merge_with` also nests copies of some windows
 * inside others. Offsets are converted from code points to UTF-16 units.
 */
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configs, digest, pairs } from './truncation-cases.mjs';

const require = createRequire(import.meta.url);
const { Tokenizer } = require(process.env.TOKENIZERS_RUST ?? 'tokenizers');
const DATA = process.env.HEED_DATA ?? new URL('../../../../shared/data', import.meta.url).pathname;
const squad = JSON.parse(readFileSync(join(DATA, 'qa/squad-v1.1/dev-v1.1.shared.json'), 'utf8'));
const tokPath = join(DATA, 'vocab/bert-base-uncased/tokenizer.json');
const STRAT = { longest_first: 'LongestFirst', only_first: 'OnlyFirst', only_second: 'OnlySecond' };

/** Code-point index → UTF-16 index of `s`. */
function cpToUnits(s) {
  const m = [0];
  let u = 0;
  for (const ch of s) m.push((u += ch.length));
  return m;
}

/** Rust's lengths after truncation (truncate_encodings), or 'panic' / 'error'. */
function predict(n1, n2, c) {
  const room = c.maxLength - 3;
  if (n1 + n2 <= room) return 'ok';
  const toRemove = n1 + n2 - room;
  const bad = (t, len) => t < len && t > 0 && c.stride >= t;
  if (c.strategy === 'longest_first') {
    let [a, b] = n1 > n2 ? [n2, n1] : [n1, n2];
    b = a > room ? a : Math.max(a, room - a);
    if (a + b > room) {
      a = Math.floor(room / 2);
      b = a + (room % 2);
    }
    const [t1, t2] = n1 > n2 ? [b, a] : [a, b];
    return bad(t1, n1) || bad(t2, n2) ? 'panic' : 'ok';
  }
  const len = c.strategy === 'only_first' ? n1 : n2;
  if (len <= toRemove) return 'error';
  return bad(len - toRemove, len) ? 'panic' : 'ok';
}

const tok = Tokenizer.fromFile(tokPath);
const ps = pairs(squad);
const cs = configs();
const results = [];
const counts = { ok: 0, panic: 0, error: 0, config: 0 };
/**
 * `[ids, typeIds, offsets]` of each top-level window, offsets in UTF-16 units. With
 * `pairType`, tokens of the second sequence get type id 1: `encode` encodes the pair with
 * type id 1 (`encode_single_sequence(pair, 1)`) and the template only retypes the main
 * window, so overflow windows keep that 1; `eb` below was encoded alone (type 0).
 */
function windows(e, ma, mb, pairType = false) {
  return [e, ...e.getOverflowing()].map((w) => {
    const seq = w.getSequenceIds();
    const types = pairType ? w.getTypeIds().map((t, i) => (seq[i] === 1 ? 1 : t)) : w.getTypeIds();
    const offs = w.getOffsets().map(([s, t], i) => {
      if (seq[i] == null) return [s, t];
      const m = seq[i] === 1 ? mb : ma;
      return [m[s], m[t]];
    });
    return [w.getIds(), types, offs];
  });
}

let encodeDiffers = 0;
let encodeAgrees = 0;
for (const [a, b] of ps) {
  tok.disableTruncation();
  // Whole encodings, then Rust's post_process (truncation, template, overflow merge).
  // `encode` with truncation would do the same but for #2091 (see the top of the file).
  const ea = await tok.encode(a, null, { addSpecialTokens: false });
  const eb = await tok.encode(b, null, { addSpecialTokens: false });
  const n1 = ea.getLength();
  const n2 = eb.getLength();
  const ma = cpToUnits(a);
  const mb = cpToUnits(b);
  const row = [];
  for (const c of cs) {
    // Rust's setTruncation refuses a stride >= maxLength - (special tokens of a single sequence).
    if (c.stride >= c.maxLength - 2) {
      row.push('config');
      counts.config++;
      continue;
    }
    const p = predict(n1, n2, c);
    if (p === 'panic') {
      row.push('panic');
      counts.panic++;
      continue;
    }
    tok.setTruncation(c.maxLength, { stride: c.stride, strategy: STRAT[c.strategy], direction: c.direction });
    let e;
    try {
      e = tok.postProcess(ea, eb, true);
    } catch {
      if (p !== 'error') throw new Error('unpredicted error');
      row.push('error');
      counts.error++;
      continue;
    }
    if (p === 'error') throw new Error('predicted an error, got an encoding');
    const d = digest(windows(e, ma, mb, true));
    const same = digest(windows(await tok.encode(a, b), ma, mb)) === d;
    // Where #2091 cannot bite (no sequence longer than max_length), `encode` must agree.
    if (Math.max(n1, n2) <= c.maxLength && !same) throw new Error(`encode and postProcess differ on an unaffected case`);
    if (Math.max(n1, n2) <= c.maxLength) encodeAgrees++;
    else if (!same) encodeDiffers++;
    row.push(d);
    counts.ok++;
  }
  results.push(row);
}
counts.encodeAgrees = encodeAgrees;
counts.encodeDiffers = encodeDiffers;
const out = { generator: 'tokenizers (Rust, Node binding) 0.23.2, bert-base-uncased', configs: cs, pairs: ps.length, counts, results };
writeFileSync(new URL('../src/test/fixtures/truncation-rust.json', import.meta.url), JSON.stringify(out) + '\n');
console.log(JSON.stringify(counts));

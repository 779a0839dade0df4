/**
 * Writes src/test/fixtures/added-tokens-rust.json: ids and offsets (UTF-16 units) that Hugging
 * Face's Rust `tokenizers` (Node binding, npm `tokenizers` 0.23.2) gives for the texts of
 * added-cases.mjs, with its added tokens (raw and normalized) on bert-base-uncased. Not a
 * dependency of the package; run by hand:
 *
 *   npm install --prefix /tmp/rusttok tokenizers@0.23.2
 *   TOKENIZERS_RUST=/tmp/rusttok/node_modules/tokenizers node scripts/gen-added-reference.mjs
 */
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADDED, digest, texts } from './added-cases.mjs';

const require = createRequire(import.meta.url);
const { Tokenizer } = require(process.env.TOKENIZERS_RUST ?? 'tokenizers');
const DATA = process.env.HEED_DATA ?? new URL('../../../../shared/data', import.meta.url).pathname;
const squad = JSON.parse(readFileSync(join(DATA, 'qa/squad-v1.1/dev-v1.1.shared.json'), 'utf8'));
const base = JSON.parse(readFileSync(join(DATA, 'vocab/bert-base-uncased/tokenizer.json'), 'utf8'));
const tok = Tokenizer.fromString(JSON.stringify({ ...base, added_tokens: [...base.added_tokens, ...ADDED] }));

const results = [];
const hits = {};
for (const t of texts(squad)) {
  const e = await tok.encode(t, null, { addSpecialTokens: false });
  const m = [0];
  let u = 0;
  for (const ch of t) m.push((u += ch.length));
  const ids = e.getIds();
  for (const id of ids) if (id >= 30522) hits[id] = (hits[id] ?? 0) + 1;
  results.push(digest([ids, e.getOffsets().map(([s, x]) => [m[s], m[x]])]));
}
const out = { generator: 'tokenizers (Rust, Node binding) 0.23.2, bert-base-uncased + added-cases.mjs', hits, results };
writeFileSync(new URL('../src/test/fixtures/added-tokens-rust.json', import.meta.url), JSON.stringify(out) + '\n');
console.log(JSON.stringify(hits));

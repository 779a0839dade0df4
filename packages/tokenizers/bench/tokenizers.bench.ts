/**
 * `pnpm bench tokenizers`: encode throughput of heed vs @huggingface/tokenizers (the JS
 * port) over every SQuAD dev context, bert-base-uncased WordPiece, in one run. Checks the
 * ids are identical, then prints one JSON object per line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { fromFile, fromGpt2Files } from '../src/node.js';

const DATA = process.env.HEED_DATA ?? '/work/shared/data';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

const squad = JSON.parse(readFileSync(join(DATA, 'qa/squad-v1.1/dev-v1.1.shared.json'), 'utf8')) as {
  data: { paragraphs: { context: string }[] }[];
};
const contexts = squad.data.flatMap((a) => a.paragraphs.map((p) => p.context));
const tokPath = join(DATA, 'vocab/bert-base-uncased/tokenizer.json');
const tokJson = JSON.parse(readFileSync(tokPath, 'utf8')) as object;

const heed = fromFile(tokPath);
const hf = new HfTokenizer(tokJson, {});

/** Parity first: identical ids on every context. Returns [token count, mismatching texts]. */
function parity(a: (t: string) => number[], b: (t: string) => number[], strict = true): [number, number] {
  let bad = 0;
  let n = 0;
  for (const c of contexts) {
    const x = a(c);
    const y = b(c);
    n += x.length;
    if (x.length !== y.length || x.some((v, i) => v !== y[i])) bad++;
  }
  if (bad > 0 && strict) {
    console.error(`ids differ on ${bad} of ${contexts.length} contexts`);
    process.exitCode = 1;
  }
  return [n, bad];
}
let [tokens, mismatches] = parity((t) => heed.encode(t).ids, (t) => hf.encode(t).ids);
let bench = 'wordpiece-encode-squad-contexts';

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

function run(system: string, encode: (t: string) => unknown): number {
  for (let i = 0; i < 2; i++) for (const c of contexts) encode(c); // warm-up
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (const c of contexts) encode(c);
    times.push(performance.now() - t0);
  }
  const med = median(times);
  const tps = tokens / (med / 1000);
  console.log(
    JSON.stringify({
      bench,
      system,
      texts: contexts.length,
      tokens,
      rounds: ROUNDS,
      median_ms: Number(med.toFixed(2)),
      min_ms: Number(Math.min(...times).toFixed(2)),
      tokens_per_s: Math.round(tps),
      parity: mismatches === 0,
      mismatched_texts: mismatches,
    }),
  );
  return tps;
}

const h = run('heed', (t) => heed.encode(t));
const f = run('hf-tokenizers', (t) => hf.encode(t));
// Transparency: the same pipeline with the word cache disabled (every word goes through the trie).
const heedNoCache = fromFile(tokPath);
heedNoCache.wordCacheSize = 0;
run('heed-no-word-cache', (t) => heedNoCache.encode(t));
console.log(JSON.stringify({ bench, ratio: 'heed/hf-tokenizers', tokens_per_s_ratio: Number((h / f).toFixed(2)), target: 2 }));

// Byte-level BPE (GPT-2 files; the peer loads heed's saved tokenizer.json of them).
const g = fromGpt2Files(join(DATA, 'vocab/gpt2/vocab.json'), join(DATA, 'vocab/gpt2/merges.txt'));
const hfg = new HfTokenizer(g.toJSON(), {});
// Not strict: on 1 context the JS port treats U+FEFF as whitespace (JS `\s`), where GPT-2's
// regex (Python `regex`, HF's Rust/Oniguruma) and heed do not.
[tokens, mismatches] = parity((t) => g.encode(t).ids, (t) => hfg.encode(t).ids, false);
bench = 'bytelevel-bpe-encode-squad-contexts';
const gh = run('heed', (t) => g.encode(t));
const gf = run('hf-tokenizers', (t) => hfg.encode(t));
console.log(JSON.stringify({ bench, ratio: 'heed/hf-tokenizers', tokens_per_s_ratio: Number((gh / gf).toFixed(2)) }));

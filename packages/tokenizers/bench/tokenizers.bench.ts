/**
 * `pnpm bench tokenizers`: encode throughput of heed vs @huggingface/tokenizers (the JS
 * port) over every SQuAD dev context, bert-base-uncased WordPiece, in one run. Checks the
 * ids are identical, then prints one JSON object per line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { fromFile } from '../src/node.js';

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

// Parity first: identical ids (with [CLS]/[SEP]) on every context.
let mismatches = 0;
let tokens = 0;
for (const c of contexts) {
  const a = heed.encode(c).ids;
  const b = hf.encode(c).ids;
  tokens += a.length;
  if (a.length !== b.length || a.some((x, i) => x !== b[i])) mismatches++;
}
if (mismatches > 0) {
  console.error(`ids differ on ${mismatches} of ${contexts.length} contexts`);
  process.exitCode = 1;
}

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
      bench: 'wordpiece-encode-squad-contexts',
      system,
      texts: contexts.length,
      tokens,
      rounds: ROUNDS,
      median_ms: Number(med.toFixed(2)),
      min_ms: Number(Math.min(...times).toFixed(2)),
      tokens_per_s: Math.round(tps),
      parity: mismatches === 0,
    }),
  );
  return tps;
}

const h = run('heed', (t) => heed.encode(t));
const f = run('hf-tokenizers', (t) => hf.encode(t));
console.log(JSON.stringify({ bench: 'wordpiece-encode-squad-contexts', ratio: 'heed/hf-tokenizers', tokens_per_s_ratio: Number((h / f).toFixed(2)), target: 2 }));

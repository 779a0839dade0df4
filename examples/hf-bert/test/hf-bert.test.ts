/** The hf-bert example: features and fill-mask from an HF-layout directory, as a library and as the CLI; bad lines are typed errors. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHeed, softmax, tensor, type Heed } from '@heed/core';
import { cpuBackendModule } from '@heed/backend-cpu';
import { webgpuBackendModule } from '@heed/backend-webgpu';
import { layersModule } from '@heed/layers';
import { createModel, modelsModule, type BertForPreTraining } from '@heed/models';
import { saveBertDirectory } from '@heed/models/node';
import { fromVocabFile } from '@heed/tokenizers/node';
import { InputLineError, parseInput } from '../src/input.js';
import { runHfBert, type FeaturesResult, type FillMaskResult } from '../src/run.js';

const DATA = process.env.HEED_DATA ?? join(import.meta.dirname, '../../../../shared/data');
const tokenizer = fromVocabFile(join(DATA, 'vocab/bert-base-uncased/vocab.txt'));
const TEXT = 'the capital of france is [MASK] .\nparis is a city\tit is in france\n[MASK] and [MASK] went up the hill\n';

let heed: Heed;
let dir: string;
let model: BertForPreTraining;
beforeAll(async () => {
  heed = await createHeed({ plugins: [cpuBackendModule, layersModule, modelsModule], backend: 'cpu', setActive: true });
  dir = await mkdtemp(join(tmpdir(), 'heed-hf-bert-'));
  model = createModel<BertForPreTraining>(
    heed,
    {
      architectures: ['BertForPreTraining'],
      vocab_size: 30522,
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      intermediate_size: 64,
      max_position_embeddings: 64,
    },
    { seed: 1 },
  );
  model.eval();
  await saveBertDirectory(model, dir, tokenizer);
});
afterAll(() => {
  model.dispose();
  heed.dispose();
});

async function collect<T>(it: AsyncIterable<unknown>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of it) out.push(r as T);
  return out;
}

describe('hf-bert example', () => {
  const items = parseInput(TEXT, 'input.txt');

  it('features: input ids with [CLS]/[SEP] and token types as HF, hidden states and pooled output of the real tokens', async () => {
    const results = await collect<FeaturesResult>(runHfBert(heed, dir, items, 'input.txt', { task: 'features', batchSize: 2 }));
    expect(results).toHaveLength(3);
    const pair = tokenizer.encode('paris is a city', 'it is in france');
    expect(results[1]!.input_ids).toEqual(pair.ids);
    expect(pair.typeIds.filter((t) => t === 1).length).toBe(5);
    // Same numbers as the model run alone on the unpadded pair.
    const n = pair.length;
    const t = (v: number[], dtype: 'int32') => tensor(v, [1, n], dtype, { engine: heed.engine });
    const ref = model.bert.forward({ inputIds: t(pair.ids, 'int32'), tokenTypeIds: t(pair.typeIds, 'int32') });
    const h = Array.from(await ref.lastHiddenState.data());
    const got = results[1]!.last_hidden_state.flat();
    expect(results[1]!.last_hidden_state).toHaveLength(n);
    expect(Math.max(...got.map((v, i) => Math.abs(v - h[i]!)))).toBeLessThan(1e-5);
    const p = Array.from(await ref.poolerOutput!.data());
    expect(Math.max(...results[1]!.pooler_output!.map((v, i) => Math.abs(v - p[i]!)))).toBeLessThan(1e-5);
  });

  it('features from a BertForMaskedLM directory (no pooler): pooler_output is null and the user is told', async () => {
    const mlmDir = await mkdtemp(join(tmpdir(), 'heed-hf-bert-mlm-'));
    const mlm = createModel(heed, { ...model.config, architectures: ['BertForMaskedLM'] }, { seed: 2 });
    await saveBertDirectory(mlm as BertForPreTraining, mlmDir, tokenizer);
    mlm.dispose();
    const notes: string[] = [];
    const results = await collect<FeaturesResult>(
      runHfBert(heed, mlmDir, items.slice(0, 1), 'input.txt', { task: 'features', warn: (m) => notes.push(m) }),
    );
    expect(results[0]!.pooler_output).toBeNull();
    expect(results[0]!.last_hidden_state).toHaveLength(results[0]!.input_ids.length);
    expect(notes.join('\n')).toMatch(/no pooler; pooler_output is null/);
    expect(notes.join('\n')).toMatch(/unused checkpoint weights: cls\.predictions\.bias/);
  });

  it('fill-mask: every [MASK] gets the top-k tokens by probability', async () => {
    const results = await collect<FillMaskResult>(runHfBert(heed, dir, items, 'input.txt', { task: 'fill-mask', topK: 4 }));
    expect(results.map((r) => r.masks.length)).toEqual([1, 0, 2]);
    const enc = tokenizer.encode('[MASK] and [MASK] went up the hill');
    expect(results[2]!.masks.map((m) => m.position)).toEqual([1, 3]);
    const t = (v: number[]) => tensor(v, [1, enc.length], 'int32', { engine: heed.engine });
    const logits = model.forward({ inputIds: t(enc.ids), tokenTypeIds: t(enc.typeIds) }).predictionLogits;
    const probs = await softmax(logits).data();
    const row = probs.subarray(3 * 30522, 4 * 30522);
    const best = Array.from(row.keys())
      .sort((a, b) => row[b]! - row[a]!)
      .slice(0, 4);
    const top = results[2]!.masks[1]!.top;
    expect(top.map((x) => x.token)).toEqual(best);
    top.forEach((x) => {
      expect(x.score).toBeCloseTo(row[x.token]!, 6);
      expect(x.token_str).toBe(tokenizer.idToToken(x.token));
    });
  });

  it('malformed lines and over-long inputs are InputLineErrors naming the line', async () => {
    expect(() => parseInput('ok\n\nalso ok\n', 'in.txt')).toThrow(/in\.txt:2: empty line/);
    expect(() => parseInput('a\tb\tc\n', 'in.txt')).toThrow(InputLineError);
    expect(() => parseInput('a\t \n', 'in.txt')).toThrow(/in\.txt:1: an empty text/);
    const long = parseInput(`short\n${'word '.repeat(80)}\n`, 'in.txt');
    await expect(collect(runHfBert(heed, dir, long, 'in.txt', { task: 'features' }))).rejects.toThrow(
      /in\.txt:2: 82 tokens, more than the model's "max_position_embeddings" = 64/,
    );
  });

  it('WebGPU gives the CPU features to 1e-4', async () => {
    const gpu = await createHeed({ plugins: [webgpuBackendModule, layersModule, modelsModule], backend: 'webgpu' });
    try {
      const cpu = await collect<FeaturesResult>(runHfBert(heed, dir, items, 'input.txt', { task: 'features' }));
      const web = await collect<FeaturesResult>(runHfBert(gpu, dir, items, 'input.txt', { task: 'features' }));
      for (let i = 0; i < cpu.length; i++) {
        const a = cpu[i]!.last_hidden_state.flat();
        const b = web[i]!.last_hidden_state.flat();
        const err = Math.sqrt(a.reduce((s, v, j) => s + (v - b[j]!) ** 2, 0) / a.reduce((s, v) => s + v * v, 0));
        expect(err).toBeLessThan(1e-4);
      }
    } finally {
      gpu.dispose();
    }
  });

  it('runs as the CLI', async () => {
    const input = join(dir, 'input.txt');
    const output = join(dir, 'out.jsonl');
    await writeFile(input, TEXT);
    const root = join(import.meta.dirname, '..');
    const { stderr } = await promisify(execFile)(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        'src/main.ts',
        '--model',
        dir,
        '--input',
        input,
        '--output',
        output,
        '--task',
        'fill-mask',
        '--top-k',
        '2',
      ],
      { cwd: root },
    );
    expect(stderr).toMatch(/3 lines \(fill-mask\) on cpu/);
    const lines = (await readFile(output, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as FillMaskResult);
    expect(lines.map((l) => l.masks.length)).toEqual([1, 0, 2]);
    expect(lines[0]!.masks[0]!.top).toHaveLength(2);
    const bad = join(dir, 'bad.txt');
    await writeFile(bad, 'fine\n\tno text\n');
    const err = await promisify(execFile)(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'src/main.ts', '--model', dir, '--input', bad, '--output', output],
      { cwd: root },
    ).catch((e: { stderr: string; code: number }) => e);
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr).toMatch(/InputLineError: .*bad\.txt:2: an empty text/);
  });
});

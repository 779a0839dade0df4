/**
 * The heed CLI in-process: predict writes each task's format atomically, eval scores models and
 * prediction files, bad input exits 1 without output.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Heed } from '@heed/core';
import { createModel } from '@heed/models';
import { saveTokenizer } from '@heed/tokenizers/node';
import { main } from '../src/cli/main.js';
import { testHeed } from './helpers.js';
import { VOCAB, tinyTokenizer } from './tiny-models.js';

let heed: Heed;
let tmp: string;
const CONFIG = {
  vocab_size: VOCAB.length,
  hidden_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 64,
};

async function bertDir(type: string, extra: Record<string, unknown> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmp, 'model-'));
  const model = createModel(heed, { architectures: [type], ...CONFIG, ...extra }, { seed: 23 });
  await model.save(dir);
  model.dispose();
  saveTokenizer(tinyTokenizer(), join(dir, 'tokenizer.json'));
  return dir;
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'heed', ...args], { out: (t) => (out += t) });
    return { code, out, err };
  } finally {
    spy.mockRestore();
  }
}

beforeAll(async () => {
  heed = await testHeed();
  tmp = await mkdtemp(join(tmpdir(), 'heed-cli-'));
});
afterAll(() => heed.dispose());

describe('heed predict / eval', () => {
  it('text-classification: a TSV in, one label per line out; eval on the model equals eval on its predictions', async () => {
    const dir = await bertDir('BertForSequenceClassification', { id2label: { 0: 'negative', 1: 'positive' } });
    const input = join(tmp, 'sst.tsv');
    await writeFile(input, 'sentence\tlabel\ngood film \t1\nbad film \t0\nthe cat sat on the mat . \t1\n');
    const output = join(tmp, 'labels.txt');
    expect((await cli('predict', 'text-classification', '--model', dir, '--input', input, '--output', output, '--batch-size', '2')).code).toBe(0);
    const labels = (await readFile(output, 'utf8')).split('\n');
    expect(labels).toHaveLength(4);
    expect(labels.slice(0, 3).every((l) => l === 'negative' || l === 'positive')).toBe(true);
    expect(labels[3]).toBe('');
    const byModel = JSON.parse((await cli('eval', 'text-classification', '--model', dir, '--data', input)).out);
    const byFile = JSON.parse(
      (await cli('eval', 'text-classification', '--predictions', output, '--data', input, '--labels', 'negative,positive')).out,
    );
    expect(byModel).toEqual(byFile);
    const gold = ['1', '0', '1'];
    const correct = labels.slice(0, 3).filter((l, i) => String(['negative', 'positive'].indexOf(l)) === gold[i]).length;
    expect(byModel.accuracy).toBeCloseTo(correct / 3, 12);
    expect(byModel.examples).toBe(3);
  });

  it('token-classification: CoNLL in, "token tag" lines out with blank and -DOCSTART- lines copied; eval scores with conlleval', async () => {
    const dir = await bertDir('BertForTokenClassification', { id2label: { 0: 'O', 1: 'B-PER', 2: 'I-PER', 3: 'B-LOC', 4: 'I-LOC' } });
    const input = join(tmp, 'ner.txt');
    const lines = [
      '-DOCSTART- -X- -X- O',
      '',
      'Anna NNP B-NP B-PER',
      'Smithson NNP I-NP I-PER',
      'lives VBZ B-VP O',
      '',
      'Paris NNP B-NP B-LOC',
      '.',
      '',
    ];
    lines[7] = '. . O O';
    await writeFile(input, `${lines.join('\n')}\n`);
    const output = join(tmp, 'tags.txt');
    expect((await cli('predict', 'token-classification', '--model', dir, '--input', input, '--output', output)).code).toBe(0);
    const out = (await readFile(output, 'utf8')).split('\n');
    expect(out).toHaveLength(lines.length + 1);
    for (const i of [0, 1, 5, 8]) expect(out[i]).toBe(lines[i]);
    for (const i of [2, 3, 4, 6, 7]) expect(out[i]).toMatch(new RegExp(`^${lines[i]!.split(' ')[0]!.replace('.', '\\.')} (O|[BI]-(PER|LOC))$`));
    const byModel = JSON.parse((await cli('eval', 'token-classification', '--model', dir, '--data', input)).out);
    const byFile = JSON.parse((await cli('eval', 'token-classification', '--predictions', output, '--data', input)).out);
    expect(byModel).toEqual(byFile);
    expect(byModel.sentences).toBe(2);
  });

  it('question-answering: SQuAD JSON in, {id: answer} out; eval gives exact match and F1', async () => {
    const dir = await bertDir('BertForQuestionAnswering');
    const context = 'Anna lives in Paris . The cat sat on the mat .';
    const squad = {
      version: '1.1',
      data: [
        {
          title: 't',
          paragraphs: [
            {
              context,
              qas: [
                { id: 'q1', question: 'where does anna live ?', answers: [{ text: 'Paris', answer_start: 14 }] },
                { id: 'q2', question: 'the cat ?', answers: [{ text: 'the mat', answer_start: 37 }] },
              ],
            },
          ],
        },
      ],
    };
    const input = join(tmp, 'squad.json');
    await writeFile(input, JSON.stringify(squad));
    const output = join(tmp, 'answers.json');
    expect((await cli('predict', 'question-answering', '--model', dir, '--input', input, '--output', output)).code).toBe(0);
    const answers = JSON.parse(await readFile(output, 'utf8')) as Record<string, string>;
    expect(Object.keys(answers).sort()).toEqual(['q1', 'q2']);
    for (const a of Object.values(answers)) expect(context).toContain(a);
    const m = JSON.parse((await cli('eval', 'question-answering', '--predictions', output, '--data', input)).out);
    expect(m).toEqual(JSON.parse((await cli('eval', 'question-answering', '--model', dir, '--data', input)).out));
    expect(m.questions).toBe(2);
  });

  it('translation: one sentence per line in and out, heatmaps with --attention; eval gives sacreBLEU on the pair file', async () => {
    const dir = await bertDir('Transformer', {
      src_vocab_size: VOCAB.length,
      tgt_vocab_size: VOCAB.length,
      d_model: 16,
      num_heads: 2,
      encoder_layers: 1,
      decoder_layers: 1,
      ffn_dim: 32,
      dropout: 0,
      bos_token_id: 2,
      eos_token_id: 3,
    });
    const pairs = join(tmp, 'pairs.txt');
    await writeFile(pairs, 'Anna lives in Paris.\tanna lives in paris .\nThe cat.\tthe cat\n');
    const input = join(tmp, 'fr.txt');
    await writeFile(input, 'anna lives in paris .\nthe cat\n');
    const output = join(tmp, 'en.txt');
    const heat = join(tmp, 'heat');
    const r = await cli('predict', 'translation', '--model', dir, '--input', input, '--output', output, '--max-length', '6', '--attention', heat);
    expect(r.code).toBe(0);
    const lines = (await readFile(output, 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(readdirSync(heat).sort()).toEqual([
      'sentence0.layer0.head0.png',
      'sentence0.layer0.head0.svg',
      'sentence0.layer0.head1.png',
      'sentence0.layer0.head1.svg',
    ]);
    const byModel = JSON.parse((await cli('eval', 'translation', '--model', dir, '--data', pairs, '--max-length', '6')).out);
    const byFile = JSON.parse((await cli('eval', 'translation', '--predictions', output, '--data', pairs)).out);
    expect(byModel).toEqual(byFile);
    expect(byModel.sentences).toBe(2);
    expect(byModel.signature).toMatch(/^BLEU = /);
  });

  it('bad input exits 1 with the file and line, and never writes a partial output; a wrong-task model is named', async () => {
    const dir = await bertDir('BertForSequenceClassification');
    const input = join(tmp, 'bad.tsv');
    await writeFile(input, 'sentence\tlabel\ngood\t1\nragged\n');
    const output = join(tmp, 'never.txt');
    const r = await cli('predict', 'text-classification', '--model', dir, '--input', input, '--output', output);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${input}:3: expected 2 tab-separated columns`);
    expect(existsSync(output)).toBe(false);
    const kept = join(tmp, 'kept.txt');
    await writeFile(kept, 'old\n');
    expect((await cli('predict', 'token-classification', '--model', dir, '--input', input, '--output', kept)).err).toContain(
      'task "token-classification" cannot run a model of architecture "BertForSequenceClassification"',
    );
    expect(await readFile(kept, 'utf8')).toBe('old\n');
    expect((await cli('predict', 'summarization', '--model', dir, '--input', input, '--output', kept)).code).toBe(1);
    expect((await cli('predict', 'text-classification', '--model', dir, '--input', input, '--output', kept, '--batch-size', '0')).code).not.toBe(0);
    expect((await cli('eval', 'text-classification', '--data', input)).err).toContain('exactly one of --model DIR and --predictions FILE');
  });

  it('the executable (what `pnpm heed` runs) prints help and exits 1 with a message on bad input', async () => {
    const run = promisify(execFile);
    const root = join(import.meta.dirname, '../../..');
    const args = ['--conditions=source', '--import', 'tsx', 'packages/tasks/src/cli/bin.ts'];
    const help = await run(process.execPath, [...args, 'predict', '--help'], { cwd: root });
    expect(help.stdout).toContain('--model <dir>');
    const bad = await run(process.execPath, [...args, 'eval', 'question-answering', '--data', join(tmp, 'missing.json'), '--predictions', 'x'], { cwd: root }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stderr: string }).stderr).toContain(`heed: ${join(tmp, 'missing.json')}: cannot read the file (ENOENT)`);
  });
});

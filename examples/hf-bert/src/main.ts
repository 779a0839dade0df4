/**
 * Runs a Hugging Face BERT model directory with Heed:
 *
 *   pnpm --filter @heed/example-hf-bert start -- --model DIR --input FILE --output FILE
 *     [--task features|fill-mask] [--top-k K] [--backend cpu|webgpu]
 *
 * Each input line is a text or `text<TAB>text_pair`; each output line is a JSON object
 * (see README.md).
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { createHeed } from '@heed/core';
import { cpuBackendModule } from '@heed/backend-cpu';
import { webgpuBackendModule } from '@heed/backend-webgpu';
import { layersModule } from '@heed/layers';
import { modelsModule } from '@heed/models';
import { parseInput } from './input.js';
import { runHfBert, type Task } from './run.js';

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!(Number.isInteger(n) && n > 0)) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
};

const program = new Command('hf-bert')
  .description('Run a Hugging Face BERT directory (config.json, model.safetensors, tokenizer.json or vocab.txt) on a file of texts')
  .requiredOption('--model <dir>', 'the model directory')
  .requiredOption('--input <file>', 'one text, or text<TAB>text_pair, per line')
  .requiredOption('--output <file>', 'JSON lines, one per input line')
  .option('--task <task>', 'features or fill-mask', 'features')
  .option('--top-k <k>', 'predictions per [MASK] (fill-mask)', positiveInt, 5)
  .option('--backend <name>', 'cpu or webgpu', 'cpu')
  .option('--batch-size <n>', 'lines per forward pass', positiveInt, 8);

async function main(): Promise<void> {
  const o = program
    .parse(process.argv.filter((a) => a !== '--'))
    .opts<{ model: string; input: string; output: string; task: string; topK: number; backend: string; batchSize: number }>();
  if (o.task !== 'features' && o.task !== 'fill-mask') program.error(`--task must be features or fill-mask, got "${o.task}"`);
  if (o.backend !== 'cpu' && o.backend !== 'webgpu') program.error(`--backend must be cpu or webgpu, got "${o.backend}"`);
  // `pnpm --filter … start` runs in this package's folder: resolve paths from where pnpm was started.
  const base = process.env.INIT_CWD ?? process.cwd();
  for (const k of ['model', 'input', 'output'] as const) o[k] = resolve(base, o[k]);
  const items = parseInput(await readFile(o.input, 'utf8'), o.input);
  const heed = await createHeed({
    plugins: [o.backend === 'webgpu' ? webgpuBackendModule : cpuBackendModule, layersModule, modelsModule],
    backend: o.backend,
    setActive: true,
  });
  const out = createWriteStream(o.output);
  const t0 = performance.now();
  let n = 0;
  try {
    for await (const r of runHfBert(heed, o.model, items, o.input, {
      task: o.task as Task,
      topK: o.topK,
      batchSize: o.batchSize,
      warn: (m) => console.error(`note: ${m}`),
    })) {
      out.write(`${JSON.stringify(r)}\n`);
      n++;
    }
  } finally {
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    heed.dispose();
  }
  console.error(`${n} lines (${o.task}) on ${heed.backendName} in ${((performance.now() - t0) / 1000).toFixed(2)} s -> ${o.output}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
  process.exit(1);
});

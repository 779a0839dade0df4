/**
 * Heed demo: compose an app from plugins (core + the CPU backend) through the container,
 * then train a bag-of-embeddings sentiment classifier on SST-2 with autograd and Adam,
 * printing the training loss as it falls and the dev accuracy after each epoch, then saves
 * the weights as safetensors and checks that a model loaded from the file agrees.
 */
import { Adam, Rng, createHeed, ops, tidy, variableGrads, type Tensor } from '@heed/core';
import { cpuBackendModule } from '@heed/backend-cpu';
import { loadTensors, saveTensors } from '@heed/core/node';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSst2, Vocab, type Example } from './data.js';
import { BagOfEmbeddings } from './model.js';

const EPOCHS = Number(process.env.EPOCHS ?? 2);
const BATCH = 64;

function batchTensors(examples: readonly Example[], vocab: Vocab): { ids: Tensor; labels: Tensor } {
  const maxLen = Math.max(1, ...examples.map((e) => e.tokens.length));
  const ids = new Int32Array(examples.length * maxLen);
  examples.forEach((e, i) => ids.set(vocab.encode(e.tokens), i * maxLen));
  return {
    ids: ops.tensor(ids, [examples.length, maxLen], 'int32'),
    labels: ops.tensor(Int32Array.from(examples.map((e) => e.label)), [examples.length], 'int32'),
  };
}

async function accuracy(model: BagOfEmbeddings, examples: readonly Example[], vocab: Vocab): Promise<number> {
  let correct = 0;
  for (let i = 0; i < examples.length; i += 256) {
    const chunk = examples.slice(i, i + 256);
    const pred = tidy(() => {
      const { ids } = batchTensors(chunk, vocab);
      return ops.argmax(model.forward(ids), -1);
    });
    const p = await pred.data();
    pred.dispose();
    chunk.forEach((e, j) => (correct += p[j] === e.label ? 1 : 0));
  }
  return correct / examples.length;
}

async function main(): Promise<void> {
  const heed = await createHeed({ plugins: [cpuBackendModule] });
  console.log(`backend: ${heed.backendName}`);
  const train = readSst2('train');
  const dev = readSst2('dev');
  const vocab = new Vocab(train, 2);
  console.log(`SST-2: ${train.length} training phrases, ${dev.length} dev sentences, vocabulary ${vocab.size}`);

  const rng = new Rng(42);
  const model = new BagOfEmbeddings(vocab.size, 64, 64, 2, rng);
  const optimizer = new Adam(3e-3);
  const startAcc = await accuracy(model, dev, vocab);
  console.log(`dev accuracy before training: ${(startAcc * 100).toFixed(1)}%`);

  const started = performance.now();
  let step = 0;
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    const order = rng.shuffle([...train.keys()]);
    let running = 0;
    let seen = 0;
    for (let i = 0; i < order.length; i += BATCH) {
      const batch = order.slice(i, i + BATCH).map((j) => train[j]!);
      const { ids, labels } = batchTensors(batch, vocab);
      const { value, grads } = variableGrads(() => ops.crossEntropy(model.forward(ids), labels), model.parameters);
      optimizer.step(grads);
      running += (await value.data())[0]!;
      seen++;
      for (const t of [value, ids, labels, ...grads.values()]) t.dispose();
      if (++step % 300 === 0) {
        console.log(`epoch ${epoch} step ${step}: mean training loss ${(running / seen).toFixed(4)}`);
        running = 0;
        seen = 0;
      }
    }
    const acc = await accuracy(model, dev, vocab);
    console.log(`epoch ${epoch} done: dev accuracy ${(acc * 100).toFixed(1)}% (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  // Save the weights as safetensors (atomically), load them into a fresh model, check it agrees.
  const path = join(tmpdir(), 'heed-sentiment.safetensors');
  await saveTensors(path, Object.fromEntries(model.parameters.map((p) => [p.name, p])), { model: 'bag-of-embeddings', vocab: String(vocab.size) });
  const { tensors } = await loadTensors(path);
  const restored = new BagOfEmbeddings(vocab.size, 64, 64, 2, new Rng(0));
  for (const p of restored.parameters) p.assign(tensors.get(p.name)!);
  tensors.forEach((t) => t.dispose());
  console.log(`saved ${path}; the reloaded model scores ${((await accuracy(restored, dev, vocab)) * 100).toFixed(1)}% on dev`);
  restored.parameters.forEach((p) => p.dispose());

  const mem = heed.memory();
  console.log(`live tensors after training: ${mem.numTensors} (the ${model.parameters.length} parameters and Adam's ${2 * model.parameters.length} moments)`);
  optimizer.dispose();
  heed.dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

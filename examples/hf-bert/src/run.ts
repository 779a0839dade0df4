import { softmax, tensor, type Heed, type Tensor } from '@heed/core';
import { ConfigError, ModelDirectoryError, type BertForMaskedLM, type BertModel } from '@heed/models';
import { loadBertDirectory } from '@heed/models/node';
import type { Encoding, Tokenizer } from '@heed/tokenizers';
import type { InputItem } from './input.js';
import { InputLineError } from './input.js';

/** What the example computes. */
export type Task = 'features' | 'fill-mask';

/** Output of `features` for one line (over the real tokens, `[CLS]` and `[SEP]` included). */
export interface FeaturesResult {
  input_ids: number[];
  last_hidden_state: number[][];
  /** null when the checkpoint has no pooler (e.g. a BertForMaskedLM file). */
  pooler_output: number[] | null;
}

/** Output of `fill-mask` for one line. */
export interface FillMaskResult {
  masks: { position: number; top: { token: number; token_str: string; score: number }[] }[];
}

/** Options of `runHfBert`. */
export interface RunOptions {
  task: Task;
  /** Predictions per mask (fill-mask; default 5). */
  topK?: number;
  /** Lines per forward pass (default 8). */
  batchSize?: number;
  /** Called with notes for the user (unused or initialised weights). */
  warn?: (message: string) => void;
}

function rowsOf(values: Float32Array, rows: number, cols: number, offset = 0): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from(values.subarray(offset + r * cols, offset + (r + 1) * cols)));
}

/** Encodes a batch of items, padded to the longest, as HF does (`[CLS] a [SEP] b [SEP]`, token types). */
function encodeBatch(
  heed: Heed,
  tokenizer: Tokenizer,
  items: readonly InputItem[],
  maxPositions: number,
  file: string,
): { encodings: Encoding[]; ids: Tensor; types: Tensor; mask: Tensor } {
  const encodings = items.map((it) => tokenizer.encode(it.text, it.textPair ?? null));
  encodings.forEach((e, i) => {
    if (e.length > maxPositions)
      throw new InputLineError(file, items[i]!.line, `${e.length} tokens, more than the model's "max_position_embeddings" = ${maxPositions}`);
  });
  const s = Math.max(...encodings.map((e) => e.length));
  const n = items.length;
  const ids = new Int32Array(n * s);
  const types = new Int32Array(n * s);
  const mask = new Uint8Array(n * s);
  encodings.forEach((e, r) => {
    ids.set(e.ids, r * s);
    types.set(e.typeIds, r * s);
    mask.fill(1, r * s, r * s + e.length);
  });
  const o = { engine: heed.engine };
  return { encodings, ids: tensor(ids, [n, s], 'int32', o), types: tensor(types, [n, s], 'int32', o), mask: tensor(mask, [n, s], 'bool', o) };
}

/**
 * Loads a Hugging Face BERT directory and runs `task` on every item, yielding one result per
 * item in order. `features` loads the checkpoint as `BertModel`, `fill-mask` as
 * `BertForMaskedLM`; weights the checkpoint lacks or leaves unused are reported to `warn`.
 */
export async function* runHfBert(
  heed: Heed,
  modelDir: string,
  items: readonly InputItem[],
  file: string,
  options: RunOptions,
): AsyncGenerator<FeaturesResult | FillMaskResult> {
  const architecture = options.task === 'features' ? 'BertModel' : 'BertForMaskedLM';
  const { model, tokenizer, report } = await loadBertDirectory<BertModel | BertForMaskedLM>(heed, modelDir, { architecture });
  try {
    if (!tokenizer) throw new ModelDirectoryError(`${modelDir}: no tokenizer.json or vocab.txt`);
    const noPooler = report.initialized.some((k) => k.startsWith('pooler.'));
    const newHead = report.initialized.filter((k) => !k.startsWith('pooler.'));
    if (newHead.length) throw new ModelDirectoryError(`${modelDir}: the checkpoint has no ${architecture} head (${newHead.join(', ')} missing)`);
    if (noPooler) options.warn?.(`${modelDir}: the checkpoint has no pooler; pooler_output is null`);
    if (report.unused.length) options.warn?.(`${modelDir}: unused checkpoint weights: ${report.unused.join(', ')}`);
    const maskId = tokenizer.tokenToId('[MASK]');
    if (options.task === 'fill-mask' && maskId === undefined) throw new ConfigError(`${modelDir}: the tokenizer has no [MASK] token`);
    const topK = options.topK ?? 5;
    const hidden = model.config.hidden_size;
    const bs = options.batchSize ?? 8;
    for (let b = 0; b < items.length; b += bs) {
      const chunk = items.slice(b, b + bs);
      const batch = encodeBatch(heed, tokenizer, chunk, model.config.max_position_embeddings, file);
      const s = batch.ids.shape[1]!;
      if (options.task === 'features') {
        const out = heed.engine.tidy(() =>
          (model as BertModel).forward({ inputIds: batch.ids, tokenTypeIds: batch.types, attentionMask: batch.mask }),
        );
        const h = new Float32Array(await out.lastHiddenState.data());
        const p = out.poolerOutput ? new Float32Array(await out.poolerOutput.data()) : undefined;
        for (const t of [out.lastHiddenState, out.poolerOutput]) t?.dispose();
        for (const [r, e] of batch.encodings.entries()) {
          yield {
            input_ids: e.ids,
            last_hidden_state: rowsOf(h, e.length, hidden, r * s * hidden),
            pooler_output: p && !noPooler ? Array.from(p.subarray(r * hidden, (r + 1) * hidden)) : null,
          };
        }
      } else {
        const positions: number[] = [];
        batch.encodings.forEach((e, r) => e.ids.forEach((id, c) => id === maskId && positions.push(r * s + c)));
        let probs = new Float32Array(0);
        if (positions.length) {
          const pt = tensor(Int32Array.from(positions), [positions.length], 'int32', { engine: heed.engine });
          const pr = heed.engine.tidy(() =>
            softmax(
              (model as BertForMaskedLM).forward({ inputIds: batch.ids, tokenTypeIds: batch.types, attentionMask: batch.mask, maskedPositions: pt })
                .logits!,
            ),
          );
          probs = new Float32Array(await pr.data());
          pr.dispose();
          pt.dispose();
        }
        const vocab = model.config.vocab_size;
        let k = 0;
        for (const e of batch.encodings) {
          const masks: FillMaskResult['masks'] = [];
          e.ids.forEach((id, c) => {
            if (id !== maskId) return;
            const row = probs.subarray(k * vocab, (k + 1) * vocab);
            k++;
            const order = Array.from(row.keys())
              .sort((x, y) => row[y]! - row[x]! || x - y)
              .slice(0, topK);
            masks.push({
              position: c,
              top: order.map((t) => ({ token: t, token_str: tokenizer.decode([t], { skipSpecialTokens: false }), score: row[t]! })),
            });
          });
          yield { masks };
        }
      }
      for (const t of [batch.ids, batch.types, batch.mask]) t.dispose();
    }
  } finally {
    model.dispose();
  }
}

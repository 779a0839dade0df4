import type { Tensor } from '@heed/core';
import { StateDictError } from '@heed/layers';
import type { CheckpointReport, Model } from '../model.js';

/** Keys HF ties to other tensors and leaves out of safetensors files (the MLM decoder). */
export const BERT_TIED_KEYS: readonly string[] = ['cls.predictions.decoder.weight', 'cls.predictions.decoder.bias'];

const BASE_RE = /^(embeddings|encoder|pooler)\./;
const REQUIRED_RE = /^(bert\.)?(embeddings|encoder)\./;

/** The key HF would load `key` as: legacy `gamma`/`beta` become `weight`/`bias`. */
function modernName(key: string): string {
  if (key.endsWith('.gamma')) return `${key.slice(0, -6)}.weight`;
  if (key.endsWith('.beta')) return `${key.slice(0, -5)}.bias`;
  return key;
}

/**
 * Loads an HF BERT checkpoint into `model` as `transformers`' `from_pretrained` does:
 * keys with or without the `bert.` prefix (`prefix` is the model's own: `''` for
 * `BertModel`, `'bert.'` for the task models), legacy `LayerNorm.gamma/beta` names, and
 * without the tied decoder weights. Checkpoint keys the model does not use are reported
 * (`unused`), and so are heads the checkpoint lacks (`initialized`: they keep their
 * fresh initialisation). Missing embedding or encoder tensors, or any mis-shaped tensor,
 * throw a StateDictError naming the keys, and nothing is assigned.
 */
export function loadBertCheckpoint(model: Model, tensors: Map<string, Tensor>, prefix: '' | 'bert.'): CheckpointReport {
  const own = model.stateDict();
  const mapped = new Map<string, Tensor>();
  const unused: string[] = [];
  const tiedHere = own.has('cls.predictions.bias');
  for (const [fileKey, t] of tensors) {
    let k = modernName(fileKey);
    if (prefix === 'bert.' && BASE_RE.test(k)) k = `bert.${k}`;
    if (prefix === '' && k.startsWith('bert.')) k = k.slice(5);
    if (BERT_TIED_KEYS.includes(k) && tiedHere) continue;
    if (own.has(k) && !mapped.has(k)) mapped.set(k, t);
    else unused.push(fileKey);
  }
  const missing = [...own.keys()].filter((k) => !mapped.has(k));
  const required = missing.filter((k) => REQUIRED_RE.test(k));
  if (required.length) throw new StateDictError(model.layerName, required, [], []);
  model.loadStateDict(mapped, { strict: false });
  return { unused, initialized: missing };
}

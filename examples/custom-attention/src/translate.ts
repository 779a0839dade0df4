/**
 * Training `AttentionSeq2Seq` with the user's scorer and translating with it: the model is
 * built through the app's container (`createModel` resolves `score: 'bilinear-tanh'` from
 * `customAttentionModule`), trained by the `Trainer`, decoded by beam search, and the
 * attention weights of a translation come from `attentionFor` (the teacher-forced pass on
 * the decoded ids).
 */
import { Adam, tensor, type Heed } from '@heed/core';
import { AttentionSeq2Seq, ListSource, Trainer, beamSearch, createModel, type AttentionKind, type TrainResult } from '@heed/models';
import { BOS, EOS, PAD, Vocab, tokenize, toBatches, type Pair } from './data.js';
import { BILINEAR_TANH } from './module.js';

/** Sizes of the translation model. */
export interface ModelSizes {
  embeddingSize?: number;
  hiddenSize?: number;
  attention?: AttentionKind;
  dropout?: number;
}

/** A source → target vocabulary pair and the model. */
export interface Translator {
  readonly model: AttentionSeq2Seq;
  readonly src: Vocab;
  readonly tgt: Vocab;
}

/** Builds a fresh English → French model with the bilinear-tanh scorer for `pairs`' vocabularies. */
export function buildTranslator(heed: Heed, pairs: readonly Pair[], sizes: ModelSizes = {}, seed = 0): Translator {
  const src = new Vocab(pairs.map((p) => p.src));
  const tgt = new Vocab(pairs.map((p) => p.tgt));
  const model = createModel<AttentionSeq2Seq>(
    heed,
    {
      architectures: ['AttentionSeq2Seq'],
      src_vocab_size: src.size,
      tgt_vocab_size: tgt.size,
      embedding_size: sizes.embeddingSize ?? 32,
      hidden_size: sizes.hiddenSize ?? 64,
      bidirectional: true,
      dropout: sizes.dropout ?? 0.1,
      attention: sizes.attention ?? 'bahdanau',
      score: BILINEAR_TANH,
      pad_token_id: PAD,
      bos_token_id: BOS,
      eos_token_id: EOS,
    },
    { seed },
  );
  return { model, src, tgt };
}

/** Trains for `steps` optimizer steps over shuffled batches of `batchSize` pairs (Adam, clipping at norm 1). */
export async function train(
  t: Translator,
  pairs: readonly Pair[],
  options: { steps: number; batchSize?: number; lr?: number; progress?: boolean },
): Promise<TrainResult> {
  const optimizer = new Adam(options.lr ?? 5e-3);
  const trainer = new Trainer(t.model, { optimizer, clipNorm: 1, maxSteps: options.steps, progress: options.progress ?? false });
  const result = await trainer.fit(new ListSource(toBatches(pairs, t.src, t.tgt, options.batchSize ?? 64), { shuffle: true, seed: 1 }));
  optimizer.dispose();
  t.model.eval();
  return result;
}

/** One translation: the words, the model's score, and the attention weights [target word][source word]. */
export interface Translation {
  readonly words: string[];
  readonly logProb: number;
  readonly attention: number[][];
}

/** Translates English sentences with beam search (k = `beamSize`) and returns each translation's attention weights. */
export async function translate(t: Translator, sentences: readonly string[], beamSize = 3, maxLength = 12): Promise<Translation[]> {
  const out: Translation[] = [];
  for (const sentence of sentences) {
    const ids = t.src.encode(tokenize(sentence));
    const input = tensor(Int32Array.from(ids), [1, ids.length], 'int32', { engine: t.model.engine });
    const [best] = (await beamSearch(t.model, { inputIds: input }, { beamSize, maxLength }))[0]!;
    const decoded = [...best!.tokens, EOS];
    const outputIds = tensor(Int32Array.from(decoded), [1, decoded.length], 'int32', { engine: t.model.engine });
    const weights = t.model.attentionFor({ inputIds: input }, outputIds)!;
    const flat = Array.from(await weights.data());
    for (const x of [weights, outputIds, input]) x.dispose();
    const S = ids.length;
    out.push({ words: t.tgt.decode(best!.tokens), logProb: best!.logProb, attention: decoded.map((_, r) => flat.slice(r * S, (r + 1) * S)) });
  }
  return out;
}

/**
 * The `translation` pipeline: source sentences → translations, by any encoder–decoder
 * that implements `Generative` (Seq2Seq, AttentionSeq2Seq, Transformer), with greedy or
 * beam search from `@heed/models`. The model step is the generation run itself (its
 * sessions free their state); with `attentions`, a teacher-forced pass over the output
 * gives the source × target attention weights for heatmaps.
 *
 * Tokenizers: the source text is encoded with the directory's tokenizer; translations are
 * decoded with `PipelineParts.targetTokenizer` (a directory's `target_tokenizer.json`)
 * when there is one, else with the same tokenizer (a shared vocabulary).
 */
import { tensor, type Engine, type Tensor } from '@heed/core';
import { generate, type Generative, type GenerateOptions, type Hypothesis, type LengthPenalty, type Model } from '@heed/models';
import type { Encoding, Tokenizer } from '@heed/tokenizers';
import { TaskInputError, TaskModelMismatchError } from '../errors.js';
import { encodeBatch, encodeWith, padIdOf } from './batch.js';
import { PipelineBase, type PipelineOptions } from './pipeline.js';
import type { TaskRegistration } from './registry.js';

/** Options of the translation pipeline. */
export interface TranslationOptions extends PipelineOptions {
  /** `greedy` (default) or `beam`. */
  strategy?: 'greedy' | 'beam';
  /** Beams per sentence for beam search (default 4). */
  beamSize?: number;
  /** Length normalisation of beam search (default none). */
  lengthPenalty?: LengthPenalty;
  /** Most target tokens generated, EOS included (default 100). */
  maxLength?: number;
  /** Also return the source × target attention weights (default false). */
  attentions?: boolean;
}

/** Attention weights of one translation: `maps[k].weights[t][s]`, target token t over source token s. */
export interface AttentionMaps {
  sourceTokens: string[];
  targetTokens: string[];
  /** One map for recurrent attention (`attention`), one per layer and head for Transformers (`layer0.head1`). */
  maps: Array<{ name: string; weights: number[][] }>;
}

/** One translation, in Hugging Face's shape, with attention maps when asked for. */
export interface TranslationOutput {
  translation_text: string;
  attention?: AttentionMaps;
}

type Source = { inputIds: Tensor; attentionMask: Tensor };
type Seq2SeqModel = Model & Generative<Source>;

interface Fwd {
  hyps: Hypothesis[];
  attention?: Array<Array<{ name: string; weights: number[][] }>>;
}

/** Checks that a model generates from a source batch. */
function generative(task: string, model: Model): Seq2SeqModel {
  const m = model as Partial<Generative<Source>>;
  if (typeof m.startDecoding !== 'function' || typeof m.bosTokenId !== 'number')
    throw new TaskModelMismatchError(task, model.modelType, 'it does not generate (no startDecoding)');
  return model as Seq2SeqModel;
}

/** Translates with an encoder–decoder; see the file comment. */
export class TranslationPipeline extends PipelineBase<string, TranslationOutput, TranslationOptions, Encoding[], Fwd> {
  readonly task = 'translation';

  /** The tokenizer that decodes translations. */
  get targetTokenizer(): Tokenizer {
    return this.parts.targetTokenizer ?? this.parts.tokenizer;
  }

  preprocess(inputs: readonly string[], _o: TranslationOptions): Encoding[] {
    inputs.forEach((x, i) => {
      if (typeof x !== 'string') throw new TaskInputError(`translation: input ${i} must be a string, got ${typeof x}`);
    });
    const tok = this.parts.tokenizer;
    const max = this.parts.config.max_position_embeddings;
    return encodeWith(tok, typeof max === 'number' ? { maxLength: max } : null, () => inputs.map((t) => tok.encode(t)));
  }

  protected async execute(encs: Encoding[], o: TranslationOptions): Promise<Fwd> {
    const model = generative(this.task, this.parts.model);
    const engine = this.heed.engine;
    const src = engine.tidy(() => {
      const b = encodeBatch(encs, padIdOf(this.parts.tokenizer), engine);
      return { inputIds: b.inputIds, attentionMask: b.attentionMask };
    });
    try {
      const maxLength = o.maxLength ?? 100;
      const gen: GenerateOptions =
        (o.strategy ?? 'greedy') === 'beam'
          ? { strategy: 'beam', beamSize: o.beamSize ?? 4, maxLength, ...(o.lengthPenalty ? { lengthPenalty: o.lengthPenalty } : {}) }
          : { strategy: 'greedy', maxLength };
      const hyps = (await generate(model, src, gen)).map((h) => h[0]!);
      return o.attentions ? { hyps, attention: await attentionMaps(model, engine, src, hyps) } : { hyps };
    } finally {
      src.inputIds.dispose();
      src.attentionMask.dispose();
    }
  }

  postprocess(fwd: Fwd, encs: Encoding[], _o: TranslationOptions): TranslationOutput[] {
    const tgt = this.targetTokenizer;
    return fwd.hyps.map((h, i) => {
      const out: TranslationOutput = { translation_text: tgt.decode(h.tokens) };
      if (fwd.attention) {
        const e = encs[i]!;
        out.attention = { sourceTokens: e.tokens, targetTokens: h.tokens.map((t) => tgt.idToToken(t) ?? String(t)), maps: fwd.attention[i]! };
      }
      return out;
    });
  }
}

/**
 * Teacher-forced pass over the generated tokens (BOS, then all but the last), so row t
 * of each map holds the weights used to produce target token t; cut to each sentence's
 * real source and target lengths.
 */
async function attentionMaps(
  model: Seq2SeqModel,
  engine: Engine,
  src: Source,
  hyps: Hypothesis[],
): Promise<Array<Array<{ name: string; weights: number[][] }>>> {
  const rows = hyps.length;
  const t = Math.max(1, ...hyps.map((h) => h.tokens.length));
  const dec = new Int32Array(rows * t).fill(model.padTokenId);
  hyps.forEach((h, r) => {
    dec[r * t] = model.bosTokenId;
    for (let i = 0; i + 1 < h.tokens.length; i++) dec[r * t + i + 1] = h.tokens[i]!;
  });
  const outs = engine.tidy(() =>
    engine.noGrad(() => {
      const decoderInputIds = tensor(dec, [rows, t], 'int32', { engine });
      const o = (model.forward as (b: object, opt: object) => { attentions?: Tensor; crossAttentions?: Tensor[] })(
        { ...src, decoderInputIds },
        { outputAttentions: true },
      );
      if (o.crossAttentions) return o.crossAttentions;
      if (o.attentions) return [o.attentions];
      throw new TaskModelMismatchError('translation', model.modelType, 'it returns no attention weights (use an attention model for attention maps)');
    }),
  );
  try {
    const srcLens = Array.from((await src.attentionMask.data()) as Uint8Array).reduce((acc, v, i) => {
      const r = Math.floor(i / src.attentionMask.shape[1]!);
      acc[r] = (acc[r] ?? 0) + v;
      return acc;
    }, [] as number[]);
    const result = hyps.map(() => [] as Array<{ name: string; weights: number[][] }>);
    for (let l = 0; l < outs.length; l++) {
      const a = outs[l]!;
      const data = (await a.data()) as Float32Array;
      const recurrent = a.rank === 3;
      const heads = recurrent ? 1 : a.shape[1]!;
      const s = a.shape[a.rank - 1]!;
      for (let r = 0; r < rows; r++) {
        for (let hd = 0; hd < heads; hd++) {
          const base = recurrent ? r * t * s : (r * heads + hd) * t * s;
          const weights: number[][] = [];
          for (let i = 0; i < hyps[r]!.tokens.length; i++) weights.push(Array.from(data.subarray(base + i * s, base + i * s + srcLens[r]!)));
          result[r]!.push({ name: recurrent ? 'attention' : `layer${l}.head${hd}`, weights });
        }
      }
    }
    return result;
  } finally {
    for (const a of outs) a.dispose();
  }
}

/** The built-in `translation` task (the encoder–decoders of @heed/models). */
export const translationTask: TaskRegistration<TranslationPipeline> = {
  task: 'translation',
  architectures: ['Transformer', 'Seq2Seq', 'AttentionSeq2Seq'],
  create: (heed, parts, options) => new TranslationPipeline(heed, parts, options),
};

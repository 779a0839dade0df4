/**
 * The `text-generation` pipeline: prompts → continuations by a language model of
 * @heed/models (TransformerLM, RNNLM) with greedy search, beam search or sampling. Each
 * prompt is fed as BOS followed by its tokens (no special tokens). Output as Hugging
 * Face's: `{generated_text}`, the prompt followed by the continuation unless
 * `returnFullText` is false.
 */
import { tensor } from '@heed/core';
import { generate, type Generative, type GenerateOptions, type Hypothesis, type Model } from '@heed/models';
import { TaskInputError, TaskModelMismatchError } from '../errors.js';
import { encodeWith } from './batch.js';
import { PipelineBase, type PipelineOptions } from './pipeline.js';
import type { TaskRegistration } from './registry.js';

/** Options of the text-generation pipeline. */
export interface TextGenerationOptions extends PipelineOptions {
  /** Tokens to generate at most (default 20). */
  maxNewTokens?: number;
  /** `greedy` (default), `beam` or `sample`. */
  strategy?: 'greedy' | 'beam' | 'sample';
  /** Beams for beam search (default 4). */
  beamSize?: number;
  /** Sampling: temperature, top-k, nucleus p and seed. */
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  /** Prepend the prompt to the generated text (default true). */
  returnFullText?: boolean;
}

/** One generated text. */
export interface TextGenerationOutput {
  generated_text: string;
}

interface Pre {
  prompts: string[];
  ids: number[][];
}

type LM = Model & Generative<object>;

/** Generates continuations; see the file comment. */
export class TextGenerationPipeline extends PipelineBase<string, TextGenerationOutput, TextGenerationOptions, Pre, Hypothesis[]> {
  readonly task = 'text-generation';

  preprocess(inputs: readonly string[], _o: TextGenerationOptions): Pre {
    const tok = this.parts.tokenizer;
    const model = this.parts.model as Partial<Generative<object>>;
    if (typeof model.startDecoding !== 'function' || typeof model.bosTokenId !== 'number') {
      throw new TaskModelMismatchError(this.task, this.parts.model.modelType, 'it does not generate (no startDecoding)');
    }
    const bos = model.bosTokenId;
    const ids = inputs.map((x, i) => {
      if (typeof x !== 'string') throw new TaskInputError(`text-generation: input ${i} must be a string, got ${typeof x}`);
      return [bos, ...encodeWith(tok, null, () => [tok.encode(x, null, { addSpecialTokens: false })])[0]!.ids];
    });
    return { prompts: [...inputs], ids };
  }

  protected async execute(pre: Pre, o: TextGenerationOptions): Promise<Hypothesis[]> {
    const model = this.parts.model as LM;
    const maxLength = o.maxNewTokens ?? 20;
    let gen: GenerateOptions;
    const strategy = o.strategy ?? 'greedy';
    if (strategy === 'beam') gen = { strategy, beamSize: o.beamSize ?? 4, maxLength };
    else if (strategy === 'sample') {
      gen = { strategy, maxLength, seed: o.seed ?? 0 };
      if (o.temperature !== undefined) gen.temperature = o.temperature;
      if (o.topK !== undefined) gen.topK = o.topK;
      if (o.topP !== undefined) gen.topP = o.topP;
    } else if (strategy === 'greedy') gen = { strategy, maxLength };
    else throw new TaskInputError(`text-generation: strategy must be greedy, beam or sample, got ${JSON.stringify(strategy)}`);
    if (model.modelType === 'TransformerLM') return (await generate(model, { prompts: pre.ids }, gen)).map((h) => h[0]!);
    // Other language models take the prompts as right-padded tensors with a mask.
    const engine = this.heed.engine;
    const cols = Math.max(...pre.ids.map((p) => p.length));
    const idsArr = new Int32Array(pre.ids.length * cols).fill(model.padTokenId);
    const mask = new Uint8Array(pre.ids.length * cols);
    pre.ids.forEach((p, r) => p.forEach((t, j) => ((idsArr[r * cols + j] = t), (mask[r * cols + j] = 1))));
    const src = {
      inputIds: tensor(idsArr, [pre.ids.length, cols], 'int32', { engine }),
      attentionMask: tensor(mask, [pre.ids.length, cols], 'bool', { engine }),
    };
    try {
      return (await generate(model, src, gen)).map((h) => h[0]!);
    } finally {
      src.inputIds.dispose();
      src.attentionMask.dispose();
    }
  }

  postprocess(hyps: Hypothesis[], pre: Pre, o: TextGenerationOptions): TextGenerationOutput[] {
    const tok = this.parts.tokenizer;
    return hyps.map((h, i) => {
      const prompt = pre.ids[i]!.slice(1);
      const promptText = tok.decode(prompt);
      const all = tok.decode([...prompt, ...h.tokens]);
      const continuation = all.startsWith(promptText) ? all.slice(promptText.length) : tok.decode(h.tokens);
      return { generated_text: o.returnFullText ?? true ? pre.prompts[i]! + continuation : continuation };
    });
  }
}

/** The built-in `text-generation` task (the language models of @heed/models). */
export const textGenerationTask: TaskRegistration<TextGenerationPipeline> = {
  task: 'text-generation',
  architectures: ['TransformerLM', 'RNNLM'],
  create: (heed, parts, options) => new TextGenerationPipeline(heed, parts, options),
};

/** The `fill-mask` pipeline: texts with a mask token → the most likely tokens for each mask. */
import { gather, reshape, tensor, type Heed, type Tensor } from '@heed/core';
import type { Encoding } from '@heed/tokenizers';
import { TaskInputError } from '../errors.js';
import { postprocessFillMask, type FillMaskResult } from '../postprocess/fill-mask.js';
import { encodeBatch, encodeWith, maxLengthOf, outputOf, padIdOf } from './batch.js';
import { Pipeline, type HostTensor, type PipelineOptions, type PipelineParts } from './pipeline.js';
import type { TaskRegistration } from './registry.js';

/** Options of the fill-mask pipeline. */
export interface FillMaskOptions extends PipelineOptions {
  /** Proposals per mask (default 5). */
  topK?: number;
  /** Restrict proposals to these tokens (each must be one vocabulary token). */
  targets?: readonly string[];
  /** Longest encoding (default the model's positions, else 512); longer inputs are an error, since the mask could be cut off. */
  maxLength?: number;
}

/** Output per text: proposals for its mask, or a list per mask when there are several. */
export type FillMaskOutput = FillMaskResult[] | FillMaskResult[][];

/** Runs a masked language model (forward returns `logits` [batch, tokens, vocab]); only the mask rows are read back. */
export class FillMaskPipeline extends Pipeline<string, FillMaskOutput, FillMaskOptions, Encoding[]> {
  readonly task = 'fill-mask';
  /** The mask token's text and id (`[MASK]` or `<mask>`). */
  readonly maskToken: string;
  private readonly maskId: number;

  constructor(heed: Heed, parts: PipelineParts, defaults: FillMaskOptions = {}) {
    super(heed, parts, defaults);
    const tok = parts.tokenizer;
    const name = ['[MASK]', '<mask>'].find((t) => tok.tokenToId(t) !== undefined);
    if (name === undefined)
      throw new TaskInputError(`fill-mask: the tokenizer of ${parts.source ?? 'the model'} has no mask token ([MASK] or <mask>)`);
    this.maskToken = name;
    this.maskId = tok.tokenToId(name)!;
  }

  preprocess(inputs: readonly string[], o: FillMaskOptions): Encoding[] {
    const tok = this.parts.tokenizer;
    const maxLen = maxLengthOf(this.parts.config, o.maxLength);
    return inputs.map((x, i) => {
      if (typeof x !== 'string') throw new TaskInputError(`fill-mask: input ${i} must be a string, got ${typeof x}`);
      const e = encodeWith(tok, null, () => [tok.encode(x)])[0]!;
      if (!e.ids.includes(this.maskId))
        throw new TaskInputError(`fill-mask: input ${i} has no ${this.maskToken} token: ${JSON.stringify(x.slice(0, 80))}`);
      if (e.length > maxLen) throw new TaskInputError(`fill-mask: input ${i} has ${e.length} tokens, more than the model's ${maxLen}`);
      return e;
    });
  }

  forward(encs: Encoding[]): Record<string, Tensor> {
    const model = this.parts.model;
    const engine = this.heed.engine;
    const out = model.forward(encodeBatch(encs, padIdOf(this.parts.tokenizer), engine));
    const logits = outputOf(this.task, model, out, 'logits', 3);
    const [b, s, v] = logits.shape as [number, number, number];
    // Only the rows at mask positions go back to the host (a full [b, S, vocab] read is large).
    const rows: number[] = [];
    encs.forEach((e, r) => e.ids.forEach((id, i) => id === this.maskId && rows.push(r * s + i)));
    return { maskLogits: gather(reshape(logits, [b * s, v]), tensor(Int32Array.from(rows), [rows.length], 'int32', { engine })) };
  }

  postprocess(outputs: Record<string, HostTensor>, encs: Encoding[], o: FillMaskOptions): FillMaskOutput[] {
    const { data, shape } = outputs.maskLogits!;
    const v = shape[1]!;
    const tok = this.parts.tokenizer;
    let targetIds: number[] | undefined;
    if (o.targets !== undefined) {
      targetIds = o.targets.map((t) => {
        const id = tok.tokenToId(t);
        if (id === undefined) throw new TaskInputError(`fill-mask: target ${JSON.stringify(t)} is not a token of the vocabulary`);
        return id;
      });
    }
    const post = { ...(o.topK !== undefined ? { topK: o.topK } : {}), ...(targetIds ? { targetIds } : {}) };
    let row = 0;
    return encs.map((e) => {
      const masks = e.ids.filter((id) => id === this.maskId).length;
      const logits = data.subarray(row * v, (row + masks) * v);
      row += masks;
      return postprocessFillMask(e.ids, logits, v, this.maskId, padIdOf(tok), tok, post);
    });
  }
}

/** The built-in `fill-mask` task (models named `…ForMaskedLM`). */
export const fillMaskTask: TaskRegistration<FillMaskPipeline> = {
  task: 'fill-mask',
  architectures: [/ForMaskedLM$/],
  create: (heed, parts, options) => new FillMaskPipeline(heed, parts, options),
};

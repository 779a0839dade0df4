/**
 * Postprocess of `fill-mask`, as Hugging Face's `FillMaskPipeline`: softmax over the
 * vocabulary at each mask position (restricted to `targets` when given), the `topK` best
 * tokens, and the text with the mask replaced (special tokens left out when there is one
 * mask, kept when there are several so the other masks stay visible).
 */
import { TaskInputError } from '../errors.js';
import { softmaxRow } from './scores.js';

/** One proposed token for a mask. */
export interface FillMaskResult {
  score: number;
  token: number;
  token_str: string;
  sequence: string;
}

/** What the fill-mask postprocess needs from the tokenizer. */
export interface FillMaskTokenizer {
  /** Decodes ids (`skipSpecialTokens` drops special tokens). */
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
}

/** Options of {@link postprocessFillMask}. */
export interface FillMaskPostOptions {
  /** Proposals per mask (default 5; capped by the number of targets). */
  topK?: number;
  /** Restrict the proposals to these token ids. */
  targetIds?: readonly number[];
}

/**
 * The proposals for one text: `ids` its token ids, `maskLogits` `[masks, vocabSize]` the
 * logits at its mask positions, in order. Returns one list for a text with one mask, a
 * list per mask otherwise.
 */
export function postprocessFillMask(
  ids: readonly number[],
  maskLogits: ArrayLike<number>,
  vocabSize: number,
  maskId: number,
  padId: number | null,
  tokenizer: FillMaskTokenizer,
  options: FillMaskPostOptions = {},
): FillMaskResult[] | FillMaskResult[][] {
  const masks: number[] = [];
  ids.forEach((id, i) => id === maskId && masks.push(i));
  if (masks.length === 0) throw new TaskInputError(`fill-mask: the input has no mask token (id ${maskId})`);
  if (maskLogits.length !== masks.length * vocabSize) {
    throw new TaskInputError(`fill-mask: ${maskLogits.length} logits for ${masks.length} masks of vocabulary ${vocabSize}`);
  }
  const targets = options.targetIds;
  if (targets !== undefined) {
    if (targets.length === 0) throw new TaskInputError('fill-mask: targets is empty');
    const bad = targets.find((t) => !(Number.isInteger(t) && t >= 0 && t < vocabSize));
    if (bad !== undefined) throw new TaskInputError(`fill-mask: target id ${bad} is outside the vocabulary (size ${vocabSize})`);
  }
  let topK = options.topK ?? 5;
  if (!(Number.isInteger(topK) && topK >= 1)) throw new TaskInputError(`fill-mask: topK must be a positive integer, got ${topK}`);
  if (targets !== undefined && targets.length < topK) topK = targets.length;
  const single = masks.length === 1;
  const rows = masks.map((m, k) => {
    const probs = softmaxRow(maskLogits, k * vocabSize, vocabSize);
    const cands = targets ? targets.map((t) => [t, probs[t]!] as const) : Array.from(probs, (p, t) => [t, p] as const);
    const best = [...cands].sort((a, b) => b[1] - a[1]).slice(0, Math.min(topK, cands.length));
    return best.map(([token, score]) => {
      const filled = ids.map((id, i) => (i === m ? token : id)).filter((id) => id !== padId);
      return {
        score,
        token,
        token_str: tokenizer.decode([token], { skipSpecialTokens: false }),
        sequence: tokenizer.decode(filled, { skipSpecialTokens: single }),
      };
    });
  });
  return single ? rows[0]! : rows;
}

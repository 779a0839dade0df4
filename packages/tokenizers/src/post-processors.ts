/** Post-processors: add special tokens and set type ids for single sequences and pairs. */
import { Encoding } from './encoding.js';
import { TokenizerFormatError } from './errors.js';

/** A post-processor. */
export interface PostProcessor {
  /** The Hugging Face `type` name. */
  readonly type: string;
  /** Number of special tokens added to a single sequence (`pair` false) or a pair. */
  addedTokens(pair: boolean): number;
  /** Combines the encoded sequence(s) into one encoding. */
  process(a: Encoding, b: Encoding | null, addSpecialTokens: boolean, texts: readonly [string, string | null]): Encoding;
  /** The Hugging Face `tokenizer.json` form. */
  toJSON(): Record<string, unknown>;
}

/** One piece of a template. */
export type TemplatePiece = { SpecialToken: { id: string; type_id: number } } | { Sequence: { id: 'A' | 'B'; type_id: number } };

/** A special token of a template: its name and the ids/tokens it expands to. */
export interface TemplateSpecialToken {
  id: string;
  ids: number[];
  tokens: string[];
}

/** Parses HF's string template form, e.g. `"[CLS] $A [SEP] $B:1 [SEP]:1"`. */
export function parseTemplate(t: string): TemplatePiece[] {
  return t
    .split(/\s+/)
    .filter((x) => x.length > 0)
    .map((p) => {
      const m = /^(.*?)(?::(\d+))?$/.exec(p)!;
      const name = m[1]!;
      const typeId = m[2] ? Number(m[2]) : 0;
      if (name === '$A' || name === '$' || name === '$0') return { Sequence: { id: 'A' as const, type_id: typeId } };
      if (name === '$B' || name === '$1') return { Sequence: { id: 'B' as const, type_id: typeId } };
      if (/^\$\d+$/.test(name)) return { Sequence: { id: 'A' as const, type_id: Number(name.slice(1)) } };
      return { SpecialToken: { id: name, type_id: typeId } };
    });
}

/** HF `TemplateProcessing`: `single` and `pair` templates of special tokens and sequences. */
export class TemplateProcessing implements PostProcessor {
  readonly type = 'TemplateProcessing';
  readonly single: TemplatePiece[];
  readonly pair: TemplatePiece[];
  readonly specialTokens: Map<string, TemplateSpecialToken>;
  constructor(single: TemplatePiece[] | string, pair: TemplatePiece[] | string, specialTokens: Iterable<TemplateSpecialToken>) {
    this.single = typeof single === 'string' ? parseTemplate(single) : single;
    this.pair = typeof pair === 'string' ? parseTemplate(pair) : pair;
    this.specialTokens = new Map([...specialTokens].map((s) => [s.id, s]));
    for (const [name, tpl] of [
      ['single', this.single],
      ['pair', this.pair],
    ] as const) {
      tpl.forEach((p, i) => {
        if ('SpecialToken' in p && !this.specialTokens.has(p.SpecialToken.id))
          throw new TokenizerFormatError(`post_processor.${name}[${i}]`, `special token ${JSON.stringify(p.SpecialToken.id)} is not in post_processor.special_tokens`);
      });
    }
  }
  addedTokens(pair: boolean): number {
    let n = 0;
    for (const p of pair ? this.pair : this.single) if ('SpecialToken' in p) n += this.specialTokens.get(p.SpecialToken.id)!.ids.length;
    return n;
  }
  process(a: Encoding, b: Encoding | null, addSpecialTokens: boolean): Encoding {
    const tpl = b === null ? this.single : this.pair;
    const parts: Encoding[] = [];
    for (const p of tpl) {
      if ('Sequence' in p) {
        const e = p.Sequence.id === 'A' ? a : b;
        if (e === null) continue;
        const s = e.slice(0, e.length);
        s.typeIds.fill(p.Sequence.type_id);
        parts.push(s);
      } else if (addSpecialTokens) {
        const st = this.specialTokens.get(p.SpecialToken.id)!;
        const n = st.ids.length;
        parts.push(
          new Encoding({
            ids: st.ids.slice(),
            tokens: st.tokens.slice(),
            starts: new Array<number>(n).fill(0),
            ends: new Array<number>(n).fill(0),
            typeIds: new Array<number>(n).fill(p.SpecialToken.type_id),
            attentionMask: new Array<number>(n).fill(1),
            specialTokensMask: new Array<number>(n).fill(1),
            wordIds: new Array<null>(n).fill(null),
            sequenceIds: new Array<null>(n).fill(null),
          }),
        );
      }
    }
    return Encoding.concat(parts);
  }
  toJSON(): Record<string, unknown> {
    const st: Record<string, TemplateSpecialToken> = {};
    for (const [k, v] of this.specialTokens) st[k] = { id: v.id, ids: v.ids, tokens: v.tokens };
    return { type: this.type, single: this.single, pair: this.pair, special_tokens: st };
  }
}

/** HF `BertProcessing`: `[CLS] A [SEP]` / `[CLS] A [SEP] B [SEP]` with type ids 0/1. */
export function bertProcessing(sep: [string, number], cls: [string, number]): TemplateProcessing {
  return new TemplateProcessing(`${cls[0]} $A:0 ${sep[0]}:0`, `${cls[0]}:0 $A:0 ${sep[0]}:0 $B:1 ${sep[0]}:1`, [
    { id: cls[0], ids: [cls[1]], tokens: [cls[0]] },
    { id: sep[0], ids: [sep[1]], tokens: [sep[0]] },
  ]);
}

/** HF `RobertaProcessing`: `<s> A </s>` / `<s> A </s></s> B </s>`, all type ids 0. */
export function robertaProcessing(sep: [string, number], cls: [string, number]): TemplateProcessing {
  return new TemplateProcessing(`${cls[0]} $A ${sep[0]}`, `${cls[0]} $A ${sep[0]} ${sep[0]} $B ${sep[0]}`, [
    { id: cls[0], ids: [cls[1]], tokens: [cls[0]] },
    { id: sep[0], ids: [sep[1]], tokens: [sep[0]] },
  ]);
}

/** HF `ByteLevel` post-processor: optionally trims leading/trailing whitespace from offsets. */
export class ByteLevelProcessing implements PostProcessor {
  readonly type = 'ByteLevel';
  constructor(readonly trimOffsets = true) {}
  addedTokens(): number {
    return 0;
  }
  process(a: Encoding, b: Encoding | null, _add: boolean, texts: readonly [string, string | null]): Encoding {
    const parts = b === null ? [a] : [a, b];
    const out = Encoding.concat(parts.map((e) => e.slice(0, e.length)));
    if (this.trimOffsets) {
      for (let i = 0; i < out.length; i++) {
        const seq = out.sequenceIds[i];
        if (seq == null) continue;
        const t = seq === 0 ? texts[0] : (texts[1] ?? '');
        let s = out.starts[i]!;
        let e = out.ends[i]!;
        while (s < e && /\s/.test(t[s]!)) s++;
        while (e > s && /\s/.test(t[e - 1]!)) e--;
        out.starts[i] = s;
        out.ends[i] = e;
      }
    }
    if (b !== null) for (let i = a.length; i < out.length; i++) out.typeIds[i] = 1;
    return out;
  }
  toJSON(): Record<string, unknown> {
    return { type: this.type, add_prefix_space: true, trim_offsets: this.trimOffsets, use_regex: true };
  }
}

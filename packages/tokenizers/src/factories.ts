/**
 * The bodies of `Tokenizer`'s static factories: the parts of a tokenizer built from a
 * `tokenizer.json`, a vocabulary, or GPT-2's `vocab.json` + `merges.txt`.
 */
import { ByteLevelDecoder, JoinDecoder, WordPieceDecoder } from './decoders.js';
import { TokenizerFormatError } from './errors.js';
import {
  addedTokensFromJSON,
  decoderFromJSON,
  modelFromJSON,
  normalizerFromJSON,
  paddingFromJSON,
  parseMergesTxt,
  parseVocabJson,
  postProcessorFromJSON,
  preTokenizerFromJSON,
  truncationFromJSON,
} from './json.js';
import { BPE } from './models/bpe.js';
import type { Model } from './models/model.js';
import { CharLevel, WordLevel } from './models/wordlevel.js';
import { WordPiece } from './models/wordpiece.js';
import { BertNormalizer } from './normalizers.js';
import { ByteLevelProcessing, TemplateProcessing } from './post-processors.js';
import { BertPreTokenizer, ByteLevel } from './pre-tokenizers.js';
import type { TokenizerParts } from './tokenizer.js';

/** Options of {@link Tokenizer.fromVocab}. */
export interface FromVocabOptions {
  /** The model (default `wordpiece`, with BERT's normalizer, pre-tokenizer and `[CLS] $A [SEP]` template). */
  model?: 'wordpiece' | 'wordlevel' | 'charlevel';
  /** Lower-case and strip accents (default true). */
  lowercase?: boolean;
  /** Unknown token (default `[UNK]`). */
  unkToken?: string;
  /** Class token for the template (default `[CLS]` when in the vocabulary). */
  clsToken?: string;
  /** Separator token for the template (default `[SEP]` when in the vocabulary). */
  sepToken?: string;
  /** Tokens registered as special (skipped by decode) when in the vocabulary (default `[PAD] [UNK] [CLS] [SEP] [MASK]`). */
  specialTokens?: string[];
}

function toVocabMap(v: readonly string[] | Map<string, number> | Record<string, number>): Map<string, number> {
  if (v instanceof Map) return v;
  if (Array.isArray(v)) return new Map((v as readonly string[]).map((t, i) => [t, i]));
  return new Map(Object.entries(v as Record<string, number>));
}

/** The parts of a Hugging Face `tokenizer.json` (text or parsed object). */
export function partsFromJSON(json: string | object): TokenizerParts {
  let o: unknown = json;
  if (typeof json === 'string') {
    try {
      o = JSON.parse(json);
    } catch (e) {
      throw new TokenizerFormatError('tokenizer.json', `invalid JSON: ${(e as Error).message}`);
    }
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new TokenizerFormatError('tokenizer.json', 'expected an object at the top level');
  const r = o as Record<string, unknown>;
  if (r.model === undefined) throw new TokenizerFormatError('model', 'missing');
  return {
    model: modelFromJSON(r.model),
    normalizer: normalizerFromJSON(r.normalizer),
    preTokenizer: preTokenizerFromJSON(r.pre_tokenizer),
    postProcessor: postProcessorFromJSON(r.post_processor),
    decoder: decoderFromJSON(r.decoder),
    addedTokens: addedTokensFromJSON(r.added_tokens),
    truncation: truncationFromJSON(r.truncation),
    padding: paddingFromJSON(r.padding),
  };
}

/** The parts of a tokenizer over a vocabulary (see {@link Tokenizer.fromVocab}). */
export function partsFromVocab(vocab: readonly string[] | Map<string, number> | Record<string, number>, o: FromVocabOptions = {}): TokenizerParts {
  const v = toVocabMap(vocab);
  const kind = o.model ?? 'wordpiece';
  const unk = o.unkToken ?? '[UNK]';
  const lowercase = o.lowercase ?? true;
  const model: Model = kind === 'wordpiece' ? new WordPiece(v, { unkToken: unk }) : kind === 'wordlevel' ? new WordLevel(v, v.has(unk) ? unk : null) : new CharLevel(v, v.has(unk) ? unk : null);
  const cls = o.clsToken ?? '[CLS]';
  const sep = o.sepToken ?? '[SEP]';
  const clsId = v.get(cls);
  const sepId = v.get(sep);
  const post =
    clsId !== undefined && sepId !== undefined
      ? new TemplateProcessing(`${cls}:0 $A:0 ${sep}:0`, `${cls}:0 $A:0 ${sep}:0 $B:1 ${sep}:1`, [
          { id: cls, ids: [clsId], tokens: [cls] },
          { id: sep, ids: [sepId], tokens: [sep] },
        ])
      : null;
  const specials = (o.specialTokens ?? ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']).filter((t) => v.has(t)).map((t) => ({ id: v.get(t)!, content: t, special: true }));
  return {
    model,
    normalizer: new BertNormalizer({ lowercase, stripAccents: lowercase ? null : false, handleChineseChars: kind !== 'charlevel' }),
    preTokenizer: kind === 'charlevel' ? null : new BertPreTokenizer(),
    postProcessor: post,
    decoder: kind === 'wordpiece' ? new WordPieceDecoder() : kind === 'charlevel' ? new JoinDecoder('') : new JoinDecoder(' '),
    addedTokens: specials,
  };
}

/** The parts of GPT-2's byte-level BPE tokenizer from the texts of `vocab.json` and `merges.txt`. */
export function partsFromGpt2(vocabJson: string | object, mergesTxt: string, o: { addPrefixSpace?: boolean } = {}): TokenizerParts {
  const vocab = parseVocabJson(vocabJson);
  const merges = parseMergesTxt(mergesTxt);
  const eot = vocab.get('<|endoftext|>');
  return {
    model: new BPE(vocab, merges),
    preTokenizer: new ByteLevel({ addPrefixSpace: o.addPrefixSpace ?? false }),
    postProcessor: new ByteLevelProcessing(false),
    decoder: new ByteLevelDecoder(),
    addedTokens: eot === undefined ? [] : [{ id: eot, content: '<|endoftext|>', special: true }],
  };
}

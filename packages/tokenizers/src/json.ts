/**
 * Loading Hugging Face `tokenizer.json` objects, BERT `vocab.txt` and GPT-2
 * `vocab.json` + `merges.txt`, with typed errors that name the offending key.
 */
import { BPEDecoder, ByteLevelDecoder, JoinDecoder, WordPieceDecoder, type Decoder } from './decoders.js';
import { TokenizerFormatError } from './errors.js';
import { BPE } from './models/bpe.js';
import type { Model } from './models/model.js';
import { CharLevel, WordLevel } from './models/wordlevel.js';
import { WordPiece } from './models/wordpiece.js';
import { BertNormalizer, Lowercase, NormalizerSequence, Replace, Strip, StripAccents, UnicodeNormalizer, type Normalizer } from './normalizers.js';
import {
  bertProcessing,
  ByteLevelProcessing,
  robertaProcessing,
  TemplateProcessing,
  type PostProcessor,
  type TemplatePiece,
  type TemplateSpecialToken,
} from './post-processors.js';
import {
  BertPreTokenizer,
  ByteLevel,
  Digits,
  PreTokenizerSequence,
  Punctuation,
  Split,
  Whitespace,
  WhitespaceSplit,
  type PreTokenizer,
  type SplitBehavior,
} from './pre-tokenizers.js';
import type { AddedToken } from './added-tokens.js';
import type { PaddingOptions } from './padding.js';
import type { TruncationOptions } from './truncation.js';

type Obj = Record<string, unknown>;

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}
function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TokenizerFormatError(path, `expected an object, got ${typeName(v)}`);
  return v as Obj;
}
function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new TokenizerFormatError(path, `expected a string, got ${typeName(v)}`);
  return v;
}
function int(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new TokenizerFormatError(path, `expected a non-negative integer, got ${typeName(v) === 'number' ? String(v) : typeName(v)}`);
  return v;
}
function bool(v: unknown, path: string, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new TokenizerFormatError(path, `expected a boolean, got ${typeName(v)}`);
  return v;
}
function optStr(v: unknown, path: string): string | null {
  return v === undefined || v === null ? null : str(v, path);
}
function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new TokenizerFormatError(path, `expected an array, got ${typeName(v)}`);
  return v;
}

/** Parses a `{token: id}` object. */
export function parseVocab(v: unknown, path: string): Map<string, number> {
  const o = obj(v, path);
  const m = new Map<string, number>();
  for (const k of Object.keys(o)) m.set(k, int(o[k], `${path}[${JSON.stringify(k)}]`));
  return m;
}

/** Parses merges in either form: `"a b"` strings or `["a", "b"]` pairs. */
export function parseMerges(v: unknown, path: string): Array<[string, string]> {
  return arr(v, path).map((m, i) => {
    if (typeof m === 'string') {
      const parts = m.split(' ');
      if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw new TokenizerFormatError(`${path}[${i}]`, `expected "left right", got ${JSON.stringify(m)}`);
      return [parts[0]!, parts[1]!];
    }
    const p = arr(m, `${path}[${i}]`);
    if (p.length !== 2) throw new TokenizerFormatError(`${path}[${i}]`, `expected a pair, got ${p.length} items`);
    return [str(p[0], `${path}[${i}][0]`), str(p[1], `${path}[${i}][1]`)];
  });
}

function modelType(o: Obj): string {
  if (o.type !== undefined) return str(o.type, 'model.type');
  // Old format without `type`: infer from the keys.
  if (o.merges !== undefined) return 'BPE';
  if (o.continuing_subword_prefix !== undefined || o.max_input_chars_per_word !== undefined) return 'WordPiece';
  if (o.vocab !== undefined) return 'WordLevel';
  throw new TokenizerFormatError('model.type', 'missing, and the model kind cannot be inferred from its keys');
}

/** Builds the model of a `tokenizer.json`. */
export function modelFromJSON(v: unknown): Model {
  const o = obj(v, 'model');
  const t = modelType(o);
  if (o.vocab === undefined) throw new TokenizerFormatError('model.vocab', 'missing');
  const vocab = parseVocab(o.vocab, 'model.vocab');
  switch (t) {
    case 'WordPiece':
      return new WordPiece(vocab, {
        unkToken: o.unk_token === undefined ? '[UNK]' : str(o.unk_token, 'model.unk_token'),
        continuingSubwordPrefix: o.continuing_subword_prefix === undefined ? '##' : str(o.continuing_subword_prefix, 'model.continuing_subword_prefix'),
        maxInputCharsPerWord: o.max_input_chars_per_word === undefined ? 100 : int(o.max_input_chars_per_word, 'model.max_input_chars_per_word'),
      });
    case 'BPE':
      if (o.merges === undefined) throw new TokenizerFormatError('model.merges', 'missing');
      if (o.byte_fallback === true) throw new TokenizerFormatError('model.byte_fallback', 'byte fallback is not supported');
      return new BPE(vocab, parseMerges(o.merges, 'model.merges'), {
        unkToken: optStr(o.unk_token, 'model.unk_token'),
        continuingSubwordPrefix: optStr(o.continuing_subword_prefix, 'model.continuing_subword_prefix'),
        endOfWordSuffix: optStr(o.end_of_word_suffix, 'model.end_of_word_suffix'),
        fuseUnk: bool(o.fuse_unk, 'model.fuse_unk', false),
      });
    case 'WordLevel':
      return new WordLevel(vocab, optStr(o.unk_token, 'model.unk_token'));
    case 'CharLevel':
      return new CharLevel(vocab, optStr(o.unk_token, 'model.unk_token'));
    default:
      throw new TokenizerFormatError('model.type', `unsupported model type ${JSON.stringify(t)} (supported: WordPiece, BPE, WordLevel, CharLevel)`);
  }
}

/** Builds a normalizer from its `tokenizer.json` form. */
export function normalizerFromJSON(v: unknown, path = 'normalizer'): Normalizer | null {
  if (v === null || v === undefined) return null;
  const o = obj(v, path);
  const t = str(o.type, `${path}.type`);
  switch (t) {
    case 'BertNormalizer':
      return new BertNormalizer({
        cleanText: bool(o.clean_text, `${path}.clean_text`, true),
        handleChineseChars: bool(o.handle_chinese_chars, `${path}.handle_chinese_chars`, true),
        stripAccents: o.strip_accents === null || o.strip_accents === undefined ? null : bool(o.strip_accents, `${path}.strip_accents`, false),
        lowercase: bool(o.lowercase, `${path}.lowercase`, true),
      });
    case 'Lowercase':
      return new Lowercase();
    case 'StripAccents':
      return new StripAccents();
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return new UnicodeNormalizer(t);
    case 'Strip':
      return new Strip(bool(o.strip_left, `${path}.strip_left`, true), bool(o.strip_right, `${path}.strip_right`, true));
    case 'Replace': {
      const p = obj(o.pattern, `${path}.pattern`);
      if (p.String === undefined) throw new TokenizerFormatError(`${path}.pattern`, 'only {"String": ...} patterns are supported');
      return new Replace(str(p.String, `${path}.pattern.String`), str(o.content, `${path}.content`));
    }
    case 'Sequence':
      return new NormalizerSequence(arr(o.normalizers, `${path}.normalizers`).map((n, i) => normalizerFromJSON(n, `${path}.normalizers[${i}]`)!));
    default:
      throw new TokenizerFormatError(`${path}.type`, `unsupported normalizer ${JSON.stringify(t)}`);
  }
}

/** Builds a pre-tokenizer from its `tokenizer.json` form. */
export function preTokenizerFromJSON(v: unknown, path = 'pre_tokenizer'): PreTokenizer | null {
  if (v === null || v === undefined) return null;
  const o = obj(v, path);
  const t = str(o.type, `${path}.type`);
  switch (t) {
    case 'BertPreTokenizer':
      return new BertPreTokenizer();
    case 'Whitespace':
      return new Whitespace();
    case 'WhitespaceSplit':
      return new WhitespaceSplit();
    case 'Punctuation':
      return new Punctuation();
    case 'Digits':
      return new Digits(bool(o.individual_digits, `${path}.individual_digits`, false));
    case 'ByteLevel':
      return new ByteLevel({
        addPrefixSpace: bool(o.add_prefix_space, `${path}.add_prefix_space`, false),
        useRegex: bool(o.use_regex, `${path}.use_regex`, true),
        trimOffsets: bool(o.trim_offsets, `${path}.trim_offsets`, true),
      });
    case 'Split': {
      const p = obj(o.pattern, `${path}.pattern`);
      const pattern = p.String !== undefined ? { String: str(p.String, `${path}.pattern.String`) } : { Regex: str(p.Regex, `${path}.pattern.Regex`) };
      const behavior = str(o.behavior ?? 'Isolated', `${path}.behavior`) as SplitBehavior;
      if (!['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'].includes(behavior))
        throw new TokenizerFormatError(`${path}.behavior`, `unknown behavior ${JSON.stringify(behavior)}`);
      try {
        return new Split(pattern, behavior, bool(o.invert, `${path}.invert`, false));
      } catch (e) {
        throw new TokenizerFormatError(`${path}.pattern`, `invalid regex: ${(e as Error).message}`);
      }
    }
    case 'Sequence':
      return new PreTokenizerSequence(arr(o.pretokenizers, `${path}.pretokenizers`).map((p, i) => preTokenizerFromJSON(p, `${path}.pretokenizers[${i}]`)!));
    default:
      throw new TokenizerFormatError(`${path}.type`, `unsupported pre-tokenizer ${JSON.stringify(t)}`);
  }
}

function pairOf(v: unknown, path: string): [string, number] {
  const a = arr(v, path);
  if (a.length !== 2) throw new TokenizerFormatError(path, 'expected [token, id]');
  return [str(a[0], `${path}[0]`), int(a[1], `${path}[1]`)];
}

/** Builds a post-processor from its `tokenizer.json` form. */
export function postProcessorFromJSON(v: unknown, path = 'post_processor'): PostProcessor | null {
  if (v === null || v === undefined) return null;
  const o = obj(v, path);
  const t = str(o.type, `${path}.type`);
  switch (t) {
    case 'TemplateProcessing': {
      const tpl = (x: unknown, p: string): TemplatePiece[] | string => {
        if (typeof x === 'string') return x;
        return arr(x, p).map((piece, i) => {
          const q = obj(piece, `${p}[${i}]`);
          if (q.SpecialToken !== undefined) {
            const s = obj(q.SpecialToken, `${p}[${i}].SpecialToken`);
            return { SpecialToken: { id: str(s.id, `${p}[${i}].SpecialToken.id`), type_id: int(s.type_id ?? 0, `${p}[${i}].SpecialToken.type_id`) } };
          }
          const s = obj(q.Sequence, `${p}[${i}].Sequence`);
          const id = str(s.id, `${p}[${i}].Sequence.id`);
          if (id !== 'A' && id !== 'B') throw new TokenizerFormatError(`${p}[${i}].Sequence.id`, `expected "A" or "B", got ${JSON.stringify(id)}`);
          return { Sequence: { id, type_id: int(s.type_id ?? 0, `${p}[${i}].Sequence.type_id`) } };
        });
      };
      const st = obj(o.special_tokens ?? {}, `${path}.special_tokens`);
      const specials: TemplateSpecialToken[] = Object.keys(st).map((k) => {
        const s = obj(st[k], `${path}.special_tokens.${k}`);
        return {
          id: str(s.id, `${path}.special_tokens.${k}.id`),
          ids: arr(s.ids, `${path}.special_tokens.${k}.ids`).map((x, i) => int(x, `${path}.special_tokens.${k}.ids[${i}]`)),
          tokens: arr(s.tokens, `${path}.special_tokens.${k}.tokens`).map((x, i) => str(x, `${path}.special_tokens.${k}.tokens[${i}]`)),
        };
      });
      return new TemplateProcessing(tpl(o.single, `${path}.single`), tpl(o.pair, `${path}.pair`), specials);
    }
    case 'BertProcessing':
      return bertProcessing(pairOf(o.sep, `${path}.sep`), pairOf(o.cls, `${path}.cls`));
    case 'RobertaProcessing':
      return robertaProcessing(pairOf(o.sep, `${path}.sep`), pairOf(o.cls, `${path}.cls`));
    case 'ByteLevel':
      return new ByteLevelProcessing(bool(o.trim_offsets, `${path}.trim_offsets`, true));
    default:
      throw new TokenizerFormatError(`${path}.type`, `unsupported post-processor ${JSON.stringify(t)}`);
  }
}

/** Builds a decoder from its `tokenizer.json` form. */
export function decoderFromJSON(v: unknown, path = 'decoder'): Decoder | null {
  if (v === null || v === undefined) return null;
  const o = obj(v, path);
  const t = str(o.type, `${path}.type`);
  switch (t) {
    case 'WordPiece':
      return new WordPieceDecoder(o.prefix === undefined ? '##' : str(o.prefix, `${path}.prefix`), bool(o.cleanup, `${path}.cleanup`, true));
    case 'ByteLevel':
      return new ByteLevelDecoder();
    case 'BPEDecoder':
      return new BPEDecoder(o.suffix === undefined ? '</w>' : str(o.suffix, `${path}.suffix`));
    case 'Join':
      return new JoinDecoder(o.separator === undefined ? ' ' : str(o.separator, `${path}.separator`));
    default:
      throw new TokenizerFormatError(`${path}.type`, `unsupported decoder ${JSON.stringify(t)}`);
  }
}

/** Parses `added_tokens`. */
export function addedTokensFromJSON(v: unknown): AddedToken[] {
  if (v === undefined || v === null) return [];
  return arr(v, 'added_tokens').map((x, i) => {
    const p = `added_tokens[${i}]`;
    const o = obj(x, p);
    const content = str(o.content, `${p}.content`);
    if (content.length === 0) throw new TokenizerFormatError(`${p}.content`, 'must not be empty');
    return {
      id: int(o.id, `${p}.id`),
      content,
      special: bool(o.special, `${p}.special`, false),
      singleWord: bool(o.single_word, `${p}.single_word`, false),
      lstrip: bool(o.lstrip, `${p}.lstrip`, false),
      rstrip: bool(o.rstrip, `${p}.rstrip`, false),
      normalized: bool(o.normalized, `${p}.normalized`, false),
    };
  });
}

/** Parses `truncation`. */
export function truncationFromJSON(v: unknown): TruncationOptions | null {
  if (v === undefined || v === null) return null;
  const o = obj(v, 'truncation');
  const s = o.strategy === undefined ? 'LongestFirst' : str(o.strategy, 'truncation.strategy');
  const strategy = ({ LongestFirst: 'longest_first', OnlyFirst: 'only_first', OnlySecond: 'only_second' } as const)[s as 'LongestFirst'];
  if (strategy === undefined) throw new TokenizerFormatError('truncation.strategy', `unknown strategy ${JSON.stringify(s)}`);
  return {
    maxLength: int(o.max_length, 'truncation.max_length'),
    stride: o.stride === undefined ? 0 : int(o.stride, 'truncation.stride'),
    strategy,
    direction: o.direction === 'Left' ? 'left' : 'right',
  };
}

/** Parses `padding`. */
export function paddingFromJSON(v: unknown): PaddingOptions | null {
  if (v === undefined || v === null) return null;
  const o = obj(v, 'padding');
  const p: PaddingOptions = {
    direction: o.direction === 'Left' ? 'left' : 'right',
    padId: o.pad_id === undefined ? 0 : int(o.pad_id, 'padding.pad_id'),
    padTypeId: o.pad_type_id === undefined ? 0 : int(o.pad_type_id, 'padding.pad_type_id'),
    padToken: o.pad_token === undefined ? '[PAD]' : str(o.pad_token, 'padding.pad_token'),
  };
  if (o.pad_to_multiple_of !== undefined && o.pad_to_multiple_of !== null) p.padToMultipleOf = int(o.pad_to_multiple_of, 'padding.pad_to_multiple_of');
  if (typeof o.strategy === 'object' && o.strategy !== null) p.length = int((o.strategy as Obj).Fixed, 'padding.strategy.Fixed');
  return p;
}

/** Parses BERT's `vocab.txt`: one token per line, the line number is the id. */
export function parseVocabTxt(text: string): Map<string, number> {
  if (typeof text !== 'string') throw new TokenizerFormatError('vocab.txt', `expected text, got ${typeName(text)}`);
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const m = new Map<string, number>();
  lines.forEach((l, i) => m.set(l.replace(/\r$/, '').trimEnd(), i));
  if (m.size === 0) throw new TokenizerFormatError('vocab.txt', 'the vocabulary is empty');
  return m;
}

/** Parses GPT-2's `merges.txt` (an optional `#version` header, then `left right` per line). */
export function parseMergesTxt(text: string): Array<[string, string]> {
  if (typeof text !== 'string') throw new TokenizerFormatError('merges.txt', `expected text, got ${typeName(text)}`);
  const out: Array<[string, string]> = [];
  text.split('\n').forEach((raw, i) => {
    const l = raw.replace(/\r$/, '');
    if (l === '' || (i === 0 && l.startsWith('#version'))) return;
    const parts = l.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') throw new TokenizerFormatError(`merges.txt:${i + 1}`, `expected "left right", got ${JSON.stringify(l.slice(0, 80))}`);
    out.push([parts[0]!, parts[1]!]);
  });
  return out;
}

/** Parses GPT-2's `vocab.json` text (or an already parsed object). */
export function parseVocabJson(v: string | object): Map<string, number> {
  let o: unknown = v;
  if (typeof v === 'string') {
    try {
      o = JSON.parse(v);
    } catch (e) {
      throw new TokenizerFormatError('vocab.json', `invalid JSON: ${(e as Error).message}`);
    }
  }
  return parseVocab(o, 'vocab.json');
}

/**
 * `@heed/tokenizers`: WordPiece, byte-level BPE, word-level and char-level tokenizers
 * with Hugging Face `tokenizer.json` parity. Strings in, ids out, and back. Offsets are
 * UTF-16 code-unit indices into the original text (what `String.prototype.slice` takes).
 *
 * This entry point is browser-safe (no Node APIs); file helpers are in `@heed/tokenizers/node`.
 * @packageDocumentation
 */
export { TokenizerError, TokenizerFormatError, TokenizerInputError, TokenizerConfigError } from './errors.js';
export { Encoding } from './encoding.js';
export {
  Tokenizer,
  type AddedToken,
  type AddedTokenInput,
  type TruncationOptions,
  type PaddingOptions,
  type EncodeOptions,
  type DecodeOptions,
  type EncodeInput,
  type TokenizerParts,
  type FromVocabOptions,
} from './tokenizer.js';
export type { AlignedString } from './aligned.js';
export {
  BertNormalizer,
  Lowercase,
  StripAccents,
  UnicodeNormalizer,
  Strip,
  Replace,
  NormalizerSequence,
  type Normalizer,
  type BertNormalizerOptions,
  type UnicodeForm,
} from './normalizers.js';
export {
  BertPreTokenizer,
  Whitespace,
  WhitespaceSplit,
  Punctuation,
  Digits,
  Split,
  ByteLevel,
  PreTokenizerSequence,
  GPT2_PATTERN,
  type PreTokenizer,
  type ByteLevelOptions,
  type SplitBehavior,
} from './pre-tokenizers.js';
export type { Model, WordTokens } from './models/model.js';
export { WordPiece, type WordPieceOptions } from './models/wordpiece.js';
export { BPE, type BPEOptions } from './models/bpe.js';
export { WordLevel, CharLevel } from './models/wordlevel.js';
export {
  TemplateProcessing,
  ByteLevelProcessing,
  bertProcessing,
  robertaProcessing,
  parseTemplate,
  type PostProcessor,
  type TemplatePiece,
  type TemplateSpecialToken,
} from './post-processors.js';
export { WordPieceDecoder, ByteLevelDecoder, BPEDecoder, JoinDecoder, cleanupTokenization, type Decoder } from './decoders.js';
export { parseVocabTxt, parseMergesTxt, parseVocabJson } from './json.js';
export { BYTE_TO_CHAR, toByteLevel, fromByteLevel } from './bytes.js';
export { trainWordPiece, trainBpe, trainWordLevel, trainCharLevel, learnBpe, countWords, type TrainerOptions } from './trainers.js';

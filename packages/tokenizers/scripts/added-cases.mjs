/**
 * The added-token cross-check cases, shared by gen-added-reference.mjs and
 * src/test/added-tokens.test.ts: tokens added to bert-base-uncased's tokenizer.json, matched
 * in the raw text (`normalized: false`) or in the normalized text (`normalized: true`).
 */
import { createHash } from 'node:crypto';

const tok = (id, content, o = {}) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false, ...o });

/** The added tokens (ids after the 30,522 of the vocabulary; no content is in the vocabulary). */
export const ADDED = [
  tok(30522, '[MyTok]', { normalized: true }),
  tok(30523, 'Super Bowl', { normalized: true }),
  tok(30524, 'Denver Broncos'),
  tok(30525, '<Mask>', { normalized: true, lstrip: true }),
  tok(30526, 'Bowl', { normalized: true, single_word: true, rstrip: true }),
  tok(30527, 'Émile', { normalized: true }),
  tok(30528, 'NFL', { normalized: true, single_word: true }),
  tok(30529, 'RAW', { lstrip: true, rstrip: true }),
];

/** Hand-made texts for the corner cases. */
export const EXTRA = [
  'hello [MyTok] world', 'hello [mytok]world', 'HÉLLO [MYTOK]!', '[MyTok][MyTok]', 'x[mytok]y', '😀[MyTok]😀',
  'e\u0301[MYTOK]', '[My\u0000Tok]', 'a  <MASK> b', 'a <mask>  b', 'x  RAW  y', 'RAW raw Raw',
  'super bowl bowls bowl  x BOWL', 'Super  Bowl  50 ', 'SUPER BOWL', 'superbowl', 'Emile émile E\u0301MILE Émiles',
  'the nfl NFL nfls', 'Denver Broncos denver broncos', '', '   ', '<mask>', 'RAW',
];

/** The texts: the extras, 600 SQuAD questions and 150 contexts. */
export function texts(squad) {
  const paras = squad.data.flatMap((a) => a.paragraphs);
  const qs = paras.flatMap((p) => p.qas.map((q) => q.question));
  const out = [...EXTRA];
  for (let i = 0; i < 600; i++) out.push(qs[(i * 11) % qs.length]);
  for (let i = 0; i < 150; i++) out.push(paras[(i * 7) % paras.length].context);
  return out;
}

/** A short digest of `[ids, offsets]`. */
export function digest(x) {
  return createHash('sha1').update(JSON.stringify(x)).digest('hex').slice(0, 12);
}

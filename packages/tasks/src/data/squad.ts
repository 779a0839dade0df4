/**
 * SQuAD v1.1 JSON (`{version, data: [{title, paragraphs: [{context, qas: [{id, question,
 * answers: [{text, answer_start}]}]}]}]}`), parsed and checked against that schema.
 */
import { DataFormatError } from '../errors.js';

/** A gold answer: its text and its UTF-16 offset in the context. */
export interface SquadAnswer {
  text: string;
  answerStart: number;
}

/** One question with its context, flattened from the nested file. */
export interface SquadExample {
  id: string;
  title: string;
  context: string;
  question: string;
  answers: SquadAnswer[];
}

/** A parsed SQuAD file. */
export interface SquadDataset {
  version: string;
  /** Every question in file order. */
  examples: SquadExample[];
  /** Number of articles and paragraphs. */
  articles: number;
  paragraphs: number;
}

/** The 1-based line of a JSON syntax error, from V8's message (position or line). */
function syntaxErrorLine(text: string, message: string): number {
  const line = /line (\d+)/.exec(message);
  if (line) return Number(line[1]);
  const pos = /position (\d+)/.exec(message);
  if (!pos) return 0;
  let n = 1;
  const end = Math.min(Number(pos[1]), text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/**
 * Parses SQuAD v1.1 JSON text. Invalid JSON throws {@link DataFormatError} with the line of
 * the syntax error; a schema violation names the JSON path (e.g.
 * `data[3].paragraphs[0].qas[2].answers[0].answer_start`).
 */
export function parseSquad(text: string, source: string): SquadDataset {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    throw new DataFormatError(source, syntaxErrorLine(text, msg), `not valid JSON (${msg})`);
  }
  const fail = (path: string, what: string): never => {
    throw new DataFormatError(source, 0, `${path}: ${what}`);
  };
  const obj = (v: unknown, path: string): Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(path, 'must be an object');
  const arr = (v: unknown, path: string): unknown[] => (Array.isArray(v) ? v : fail(path, 'must be an array'));
  const str = (v: unknown, path: string): string => (typeof v === 'string' ? v : fail(path, `must be a string, got ${JSON.stringify(v)}`));
  const top = obj(root, '(root)');
  const version = typeof top.version === 'string' ? top.version : '';
  const examples: SquadExample[] = [];
  let paragraphs = 0;
  const data = arr(top.data, 'data');
  data.forEach((a, ai) => {
    const art = obj(a, `data[${ai}]`);
    const title = str(art.title, `data[${ai}].title`);
    arr(art.paragraphs, `data[${ai}].paragraphs`).forEach((p, pi) => {
      paragraphs++;
      const pp = `data[${ai}].paragraphs[${pi}]`;
      const para = obj(p, pp);
      const context = str(para.context, `${pp}.context`);
      arr(para.qas, `${pp}.qas`).forEach((q, qi) => {
        const qp = `${pp}.qas[${qi}]`;
        const qa = obj(q, qp);
        const answers = arr(qa.answers, `${qp}.answers`).map((x, i) => {
          const ap = `${qp}.answers[${i}]`;
          const ans = obj(x, ap);
          const start = ans.answer_start;
          if (!Number.isInteger(start) || (start as number) < 0 || (start as number) > context.length) {
            fail(`${ap}.answer_start`, `must be an offset into the context (0..${context.length}), got ${JSON.stringify(start)}`);
          }
          return { text: str(ans.text, `${ap}.text`), answerStart: start as number };
        });
        examples.push({ id: str(qa.id, `${qp}.id`), title, context, question: str(qa.question, `${qp}.question`), answers });
      });
    });
  });
  return { version, examples, articles: data.length, paragraphs };
}

/** Types of added-cases.mjs (shared by the fixture generator and the test). */
export interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}
export declare const ADDED: AddedTokenJson[];
export declare const EXTRA: string[];
export declare function texts(squad: { data: { paragraphs: { context: string; qas: { question: string }[] }[] }[] }): string[];
export declare function digest(x: unknown): string;

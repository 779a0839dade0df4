/** Types of truncation-cases.mjs (shared by the fixture generator and the test). */
export interface TruncationCase {
  maxLength: number;
  stride: number;
  strategy: 'longest_first' | 'only_first' | 'only_second';
  direction: 'left' | 'right';
}
export declare const MAX_LENGTHS: number[];
export declare const STRIDES: number[];
export declare const STRATEGIES: TruncationCase['strategy'][];
export declare const DIRECTIONS: TruncationCase['direction'][];
export declare function configs(): TruncationCase[];
export declare function pairs(squad: { data: { paragraphs: { context: string; qas: { question: string }[] }[] }[] }): Array<[string, string]>;
export declare function digest(windows: unknown): string;

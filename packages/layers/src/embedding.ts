import { ArgumentError, DTypeError, Rng, ShapeError, embedding, tensor, type Tensor, type Variable } from '@heed/core';
import { fmt } from './check.js';
import { Module, type ModuleOptions } from './module.js';

/** Options of `Embedding`. */
export interface EmbeddingOptions extends ModuleOptions {
  /** Standard deviation of the N(0, std²) initialisation (default 1, as PyTorch). */
  std?: number;
  /** A row kept at zero at initialisation (e.g. the padding id). */
  paddingIdx?: number;
}

/** A lookup table `weight` [numEmbeddings, dim]: int32 ids of any shape → [...ids.shape, dim]. */
export class Embedding extends Module {
  readonly weight: Variable;

  constructor(
    readonly numEmbeddings: number,
    readonly dim: number,
    options: EmbeddingOptions & { initial?: Tensor } = {},
  ) {
    super(options);
    if (options.initial) {
      const t = options.initial;
      if (t.rank !== 2 || t.shape[0] !== numEmbeddings || t.shape[1] !== dim) {
        throw new ShapeError(`Embedding(${numEmbeddings}, ${dim}): pretrained matrix must be [${numEmbeddings},${dim}], got ${fmt(t.shape)}`);
      }
      this.weight = this.param('weight', t);
    } else if (options.paddingIdx !== undefined) {
      const p = options.paddingIdx;
      if (!(Number.isInteger(p) && p >= 0 && p < numEmbeddings)) throw new ArgumentError(`Embedding: paddingIdx ${p} is not in [0, ${numEmbeddings})`);
      const std = options.std ?? 1;
      const vals = new Float32Array(numEmbeddings * dim);
      for (let i = 0; i < vals.length; i++) vals[i] = Math.floor(i / dim) === p ? 0 : this.rng.normal(0, std);
      const t = tensor(vals, [numEmbeddings, dim], 'float32', { engine: this.engine });
      this.weight = this.param('weight', t);
      t.dispose();
    } else {
      this.weight = this.paramNormal('weight', [numEmbeddings, dim], options.std ?? 1);
    }
  }

  /**
   * An embedding initialised from a pretrained matrix [vocab, dim] (a tensor, or values
   * with a shape). `freeze` makes the weight non-trainable.
   */
  static fromPretrained(matrix: Tensor | { values: Float32Array; shape: readonly [number, number] }, options: ModuleOptions & { freeze?: boolean } = {}): Embedding {
    const t = 'values' in matrix && !('dataId' in matrix) ? tensor(matrix.values, [...matrix.shape], 'float32', { engine: options.engine }) : (matrix as Tensor);
    if (t.rank !== 2) throw new ShapeError(`Embedding.fromPretrained: matrix must be [vocab, dim], got ${fmt(t.shape)}`);
    const e = new Embedding(t.shape[0]!, t.shape[1]!, { ...options, engine: options.engine ?? t.engine, initial: t });
    if (t !== matrix) t.dispose();
    if (options.freeze) e.setTrainable(false);
    return e;
  }

  override get layerName(): string {
    return `Embedding(${this.numEmbeddings}, ${this.dim})`;
  }

  /** Rows for int32 `ids`. */
  forward(ids: Tensor): Tensor {
    if (ids.dtype !== 'int32') throw new DTypeError(`${this.layerName}: ids must be int32, got ${ids.dtype} ${fmt(ids.shape)}`);
    return embedding(this.weight, ids);
  }
}

/** Word vectors parsed from GloVe's text format. */
export interface GloveVectors {
  /** Words in file order. */
  readonly words: string[];
  /** Row-major [words.length, dim]. */
  readonly vectors: Float32Array;
  readonly dim: number;
}

/**
 * Parses GloVe's text format: one `word v1 v2 … vd` per line, separated by single spaces
 * (words may contain other characters, never a space). Every line must have the same
 * dimension; a bad line throws an ArgumentError naming its line number.
 */
export function parseGlove(text: string): GloveVectors {
  const words: string[] = [];
  const rows: number[][] = [];
  let dim = -1;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line === '') return;
    const parts = line.split(' ');
    const word = parts[0]!;
    const vals = parts.slice(1).map(Number);
    if (vals.length === 0 || vals.some((v) => !Number.isFinite(v))) throw new ArgumentError(`parseGlove: line ${i + 1} ("${word}") does not hold numbers after the word`);
    if (dim === -1) dim = vals.length;
    else if (vals.length !== dim) throw new ArgumentError(`parseGlove: line ${i + 1} ("${word}") has ${vals.length} values, earlier lines have ${dim}`);
    words.push(word);
    rows.push(vals);
  });
  if (dim === -1) throw new ArgumentError('parseGlove: no vectors found');
  const vectors = new Float32Array(words.length * dim);
  rows.forEach((r, i) => vectors.set(r, i * dim));
  return { words, vectors, dim };
}

/**
 * The embedding matrix for `vocab` from GloVe vectors: row i is the vector of vocab[i];
 * words GloVe lacks get N(0, oovStd²) rows (default 0.1) from `rng` (default seed 0),
 * or zeros with `oovStd: 0`. Also returns which vocab words were found.
 */
export function gloveMatrix(glove: GloveVectors, vocab: readonly string[], options: { oovStd?: number; rng?: Rng } = {}): { values: Float32Array; shape: [number, number]; found: boolean[] } {
  const index = new Map<string, number>();
  glove.words.forEach((w, i) => {
    if (!index.has(w)) index.set(w, i);
  });
  const d = glove.dim;
  const values = new Float32Array(vocab.length * d);
  const std = options.oovStd ?? 0.1;
  const rng = options.rng ?? new Rng(0);
  const found = vocab.map((w, i) => {
    const j = index.get(w);
    if (j !== undefined) {
      values.set(glove.vectors.subarray(j * d, (j + 1) * d), i * d);
      return true;
    }
    if (std > 0) for (let k = 0; k < d; k++) values[i * d + k] = rng.normal(0, std);
    return false;
  });
  return { values, shape: [vocab.length, d], found };
}

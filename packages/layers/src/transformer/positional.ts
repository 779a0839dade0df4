import { ShapeError, add, slice, tensor, type Tensor, type Variable } from '@heed/core';
import { fmt } from '../check.js';
import { Module, type ModuleOptions } from '../module.js';

function checkInput(layer: string, x: Tensor, dModel: number, offset: number, maxLength: number): void {
  if (x.rank !== 3 || x.shape[2] !== dModel) throw new ShapeError(`${layer}: input must be [batch, time, ${dModel}], got ${fmt(x.shape)}`);
  if (offset + x.shape[1]! > maxLength) throw new ShapeError(`${layer}: positions ${offset}..${offset + x.shape[1]! - 1} exceed maxLength ${maxLength} (input ${fmt(x.shape)})`);
}

/**
 * Adds the fixed sinusoidal encodings of Vaswani et al.: PE[p, 2i] = sin(p / 10000^(2i/d)),
 * PE[p, 2i+1] = cos(…). No parameters; the table is precomputed up to `maxLength`.
 * Arguments in the order of `LearnedPositionalEncoding` and `Embedding`: (positions, width).
 */
export class SinusoidalPositionalEncoding extends Module {
  /** The table [maxLength, dModel]. */
  readonly table: Tensor;

  constructor(
    readonly maxLength: number,
    readonly dModel: number,
    options: ModuleOptions = {},
  ) {
    super(options);
    const pe = new Float32Array(maxLength * dModel);
    for (let p = 0; p < maxLength; p++) {
      for (let i = 0; i < dModel; i += 2) {
        const angle = p / Math.pow(10000, i / dModel);
        pe[p * dModel + i] = Math.sin(angle);
        if (i + 1 < dModel) pe[p * dModel + i + 1] = Math.cos(angle);
      }
    }
    this.table = this.own(tensor(pe, [maxLength, dModel], 'float32', { engine: this.engine }));
  }

  override get layerName(): string {
    return `SinusoidalPositionalEncoding(maxLength=${this.maxLength}, dModel=${this.dModel})`;
  }

  /** x [batch, time, dModel] + PE[offset … offset+time). `offset` is the first position (incremental decoding). */
  forward(x: Tensor, offset = 0): Tensor {
    checkInput(this.layerName, x, this.dModel, offset, this.maxLength);
    return add(x, slice(this.table, [offset, 0], [x.shape[1]!, this.dModel]));
  }
}

/** Adds learned position embeddings `weight` [maxLength, dModel] (N(0, 0.02²) at start). */
export class LearnedPositionalEncoding extends Module {
  readonly weight: Variable;

  constructor(
    readonly maxLength: number,
    readonly dModel: number,
    options: ModuleOptions & { std?: number } = {},
  ) {
    super(options);
    this.weight = this.paramNormal('weight', [maxLength, dModel], options.std ?? 0.02);
  }

  override get layerName(): string {
    return `LearnedPositionalEncoding(maxLength=${this.maxLength}, dModel=${this.dModel})`;
  }

  /** x [batch, time, dModel] + weight[offset … offset+time). */
  forward(x: Tensor, offset = 0): Tensor {
    checkInput(this.layerName, x, this.dModel, offset, this.maxLength);
    return add(x, slice(this.weight, [offset, 0], [x.shape[1]!, this.dModel]));
  }
}

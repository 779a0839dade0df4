import type { Tensor } from '@heed/core';
import { Module, type ModuleOptions } from '@heed/layers';

/**
 * What every model config carries, in Hugging Face's spelling: the registered type name
 * of the model class (`architectures[0]`, e.g. "Seq2Seq", "BertForQuestionAnswering") and
 * the family (`model_type`, e.g. "seq2seq", "bert"). The rest is the model's own fields,
 * plain JSON.
 */
export interface ModelConfig {
  /** The registered model type(s), first one used to rebuild the model (HF: `architectures`). */
  architectures?: string[];
  /** The model family (HF: `model_type`). */
  model_type?: string;
  [field: string]: unknown;
}

/**
 * The outputs of a model's forward pass. `loss` is a scalar, present when the batch
 * carried labels, so one `Trainer` serves every model.
 */
export interface ModelOutput {
  /** Scalar training loss (mean over non-ignored targets), when the batch has labels. */
  loss?: Tensor;
  /** The model's scores, e.g. [batch, time, vocab] for sequence models. */
  logits?: Tensor;
}

/**
 * What `Model.loadCheckpoint` did besides loading: the checkpoint's keys it did not use,
 * and the model's parameters it left as initialised (a new head).
 */
export interface CheckpointReport {
  /** Checkpoint keys the model has no use for (e.g. a pre-training head loaded into a base model). */
  unused: string[];
  /** Model parameters the checkpoint did not hold, kept as initialised. */
  initialized: string[];
}

/** A batch of tensors keyed by input name (`inputIds`, `attentionMask`, `labels`, …). */
export type ModelBatch = { readonly [input: string]: Tensor | undefined };

/**
 * Base class of every model: a `Module` (named parameters, state dicts, train/eval) with a
 * JSON config and a registered type name, whose `forward(batch)` returns typed outputs
 * including `loss` when the batch carries labels.
 *
 * Subclasses pass their full config (with defaults filled in) to `super`; `modelType` is
 * the name the class is registered under (see `modelType()` in registry.ts), which
 * `saveModel` writes into `config.json` as `architectures: [modelType]`.
 */
export abstract class Model<C extends ModelConfig = ModelConfig, B extends ModelBatch = ModelBatch, O extends ModelOutput = ModelOutput> extends Module {
  /** The registered type name (written to `config.json` as `architectures[0]`). */
  abstract readonly modelType: string;

  constructor(
    /** The full config, defaults included; JSON-serialisable. */
    readonly config: Readonly<C>,
    options: ModuleOptions = {},
  ) {
    super(options);
  }

  /** Runs the model on a batch; includes `loss` when the batch carries labels. */
  abstract forward(batch: B): O;

  /**
   * Loads the tensors of a model directory's weights (`loadModel` calls it). The default is
   * a strict `loadStateDict`; a model whose checkpoints come from other libraries overrides
   * it to map key names, complete tied weights or initialise a new head, and reports that.
   * It must assign nothing when it throws.
   */
  loadCheckpoint(tensors: Map<string, Tensor>): CheckpointReport {
    this.loadStateDict(tensors);
    return { unused: [], initialized: [] };
  }

  /** The config as written to `config.json`: the model's config with `architectures` set to this type. */
  toConfigJSON(): ModelConfig {
    return { ...this.config, architectures: [this.modelType] };
  }

  /**
   * Saves the model as a model directory (`config.json` + `model.safetensors`), each file
   * written atomically (Node only; see `saveModel` in `@heed/models/node`).
   */
  async save(dir: string): Promise<void> {
    const { saveModel } = await import('./io/model-dir-node.js');
    await saveModel(this, dir);
  }
}

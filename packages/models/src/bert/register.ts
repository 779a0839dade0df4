import type { ModuleOptions } from '@heed/layers';
import type { Model } from '../model.js';
import type { ModelRegistration } from '../registry.js';
import { BertModel } from './bert-model.js';
import { BertForSequenceClassification, BertForTokenClassification } from './classification.js';
import { bertConfig, type BertConfig, type BertConfigInput } from './config.js';
import { BertForMaskedLM, BertForPreTraining } from './pretraining.js';
import { BertForQuestionAnswering } from './question-answering.js';

type BertClass = new (config: BertConfig, options: ModuleOptions) => Model;

function registration(type: string, Class: BertClass): ModelRegistration<BertConfigInput> {
  return { type, create: (_heed, config, options) => new Class(bertConfig(type, config), options) };
}

/** `BertModel` as a model type (HF's class name). */
export const bertModelType = registration('BertModel', BertModel);
/** `BertForPreTraining` as a model type. */
export const bertForPreTrainingType = registration('BertForPreTraining', BertForPreTraining);
/** `BertForMaskedLM` as a model type. */
export const bertForMaskedLMType = registration('BertForMaskedLM', BertForMaskedLM);
/** `BertForSequenceClassification` as a model type. */
export const bertForSequenceClassificationType = registration('BertForSequenceClassification', BertForSequenceClassification);
/** `BertForTokenClassification` as a model type. */
export const bertForTokenClassificationType = registration('BertForTokenClassification', BertForTokenClassification);
/** `BertForQuestionAnswering` as a model type. */
export const bertForQuestionAnsweringType = registration('BertForQuestionAnswering', BertForQuestionAnswering);

/** Every BERT model type, by HF class name. */
export const BERT_MODEL_TYPES: readonly ModelRegistration<BertConfigInput>[] = [
  bertModelType,
  bertForPreTrainingType,
  bertForMaskedLMType,
  bertForSequenceClassificationType,
  bertForTokenClassificationType,
  bertForQuestionAnsweringType,
];

import type { ContainerModule } from 'inversify';
import { featureExtractionTask } from './pipelines/feature-extraction.js';
import { fillMaskTask } from './pipelines/fill-mask.js';
import { questionAnsweringTask } from './pipelines/question-answering.js';
import { taskTypes } from './pipelines/registry.js';
import { textClassificationTask } from './pipelines/text-classification.js';
import { textGenerationTask } from './pipelines/text-generation.js';
import { tokenClassificationTask } from './pipelines/token-classification.js';
import { translationTask } from './pipelines/translation.js';

/**
 * The tasks package's plugins for `createHeed({ plugins })`: every built-in task,
 * registered by name under `TOKENS.Pipeline`. Add `modelsModule` (model types) and
 * `layersModule` too.
 */
export const tasksModule: ContainerModule = taskTypes(
  translationTask,
  textClassificationTask,
  tokenClassificationTask,
  questionAnsweringTask,
  fillMaskTask,
  textGenerationTask,
  featureExtractionTask,
);

import { ArgumentError } from '@heed/core';
import { beamSearch } from './beam.js';
import { greedy } from './greedy.js';
import type { BeamSearchOptions, GreedyOptions, Hypothesis, SampleOptions } from './options.js';
import { sample } from './sample.js';
import type { Generative } from './session.js';

/** Options of `generate`: a strategy (default greedy) with that strategy's options. */
export type GenerateOptions =
  | ({ strategy?: 'greedy' } & GreedyOptions)
  | ({ strategy: 'beam' } & BeamSearchOptions)
  | ({ strategy: 'sample' } & SampleOptions);

/**
 * Generates from any `Generative` model: greedy search (default), beam search or sampling,
 * chosen by `options.strategy`. Returns, per input sentence, its hypotheses, best first for
 * greedy and beam search and in draw order for sampling. Tokens exclude the start token
 * and EOS (`finished` tells whether EOS ended the hypothesis).
 */
export function generate<I>(model: Generative<I>, inputs: I, options: GenerateOptions = {}): Promise<Hypothesis[][]> {
  switch (options.strategy) {
    case undefined:
    case 'greedy':
      return greedy(model, inputs, options);
    case 'beam':
      return beamSearch(model, inputs, options);
    case 'sample':
      return sample(model, inputs, options);
    default:
      return Promise.reject(
        new ArgumentError(`generate: strategy must be 'greedy', 'beam' or 'sample', got ${String((options as { strategy: unknown }).strategy)}`),
      );
  }
}

/** The `heed` command line (commander): `heed predict` and `heed eval`. */
import { Command, InvalidArgumentError } from 'commander';
import { evalCommand, type EvalOptions } from './evaluate.js';
import { PREDICT_TASKS, predictCommand, type PredictOptions } from './predict.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= 1)) throw new InvalidArgumentError(`must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

/** Where the CLI writes results (stdout) — replaceable in tests. */
export interface CliIO {
  out(text: string): void;
}

/** Builds the `heed` program. */
export function createProgram(io: CliIO = { out: (t) => process.stdout.write(t) }): Command {
  const program = new Command('heed').description('Heed: run and evaluate task pipelines').showHelpAfterError();
  program
    .command('predict')
    .description(`predict over a file with a model directory (tasks: ${PREDICT_TASKS.join(', ')})`)
    .argument('<task>', 'the task, e.g. text-classification')
    .requiredOption('--model <dir>', 'model directory (config.json, model.safetensors, tokenizer.json)')
    .requiredOption('--input <file>', 'input file: one sentence per line, TSV with a sentence column, CoNLL, or SQuAD JSON')
    .requiredOption('--output <file>', 'output file, written only when every prediction succeeded')
    .option('--backend <name>', 'cpu or webgpu', 'cpu')
    .option('--batch-size <n>', 'inputs per forward pass', positiveInt, 8)
    .option('--beam-size <n>', 'translation: beam search with n beams (default greedy)', positiveInt)
    .option('--max-length <n>', 'translation: most generated tokens', positiveInt)
    .option('--attention <dir>', 'translation: write source x target attention heatmaps (SVG, PNG) of the first sentence(s) here')
    .option('--attention-count <n>', 'translation: sentences that get heatmaps (default 1)', positiveInt)
    .action(async (task: string, o: PredictOptions) => {
      await predictCommand(task, o);
    });
  program
    .command('eval')
    .description('metrics of a model directory (--model) or of a predictions file (--predictions) on a data file, as JSON')
    .argument('<task>', 'translation, text-classification, token-classification or question-answering')
    .requiredOption('--data <file>', 'labelled data: a sentence-pair file (english<TAB>other), GLUE TSV, CoNLL, or SQuAD JSON')
    .option('--model <dir>', 'model directory to run')
    .option('--predictions <file>', 'predictions written by heed predict')
    .option('--backend <name>', 'cpu or webgpu', 'cpu')
    .option('--batch-size <n>', 'inputs per forward pass', positiveInt, 8)
    .option('--limit <n>', 'evaluate the first n examples only', positiveInt)
    .option('--labels <names>', 'label names by index, comma-separated (to score names against numeric gold labels)', (v: string) => v.split(','))
    .option('--reverse', "translation: translate the pair file's first column (English) into the second")
    .option('--beam-size <n>', 'translation: beam search with n beams (default greedy)', positiveInt)
    .option('--max-length <n>', 'translation: most generated tokens', positiveInt)
    .action(async (task: string, o: EvalOptions) => {
      const metrics = await evalCommand(task, o);
      io.out(`${JSON.stringify(metrics, null, 2)}\n`);
    });
  return program;
}

/** Runs the CLI on `argv` (process.argv form); returns the exit code, printing errors as `heed: message`. */
export async function main(argv: readonly string[], io?: CliIO): Promise<number> {
  const program = createProgram(io).exitOverride();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    const code = (e as { code?: string; exitCode?: number }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) return (e as { exitCode: number }).exitCode;
    process.stderr.write(`heed: ${(e as Error).message}\n`);
    return 1;
  }
}

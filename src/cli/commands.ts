import yargs, { type Argv } from 'yargs';
import { STAGES, type Stage } from '../config/stages.ts';
import type { GlobalArgs } from './context.ts';
import { checkCommand, commandWord, skipHelpCache, usageError, type FailingUsage } from './usage.ts';

/** The commands declared in {@link buildCli} (a test checks that `--help` lists exactly these). */
export const COMMANDS = ['generate', 'ingest', 'sql', 'run', 'compile', 'status', 'models', 'report'] as const;

/** Stage names are accepted in any case (`--stage dev`); yargs checks the upper-cased name against the choices. */
const upper = (v: string): Stage => v.toUpperCase() as Stage;

let started = false;

/** Whether a command's handler was reached (help and usage errors never get there, and load no command module). */
export function commandStarted(): boolean {
  return started;
}

/** Every command of `pipeline`, declared in one place; each command's module is loaded only when it runs. */
export function buildCli(args: string[]): Argv<GlobalArgs> {
  // `pipeline help [command]` is `pipeline [command] --help`
  const argv = commandWord(args) === 'help' ? [...args.filter((a, i) => i !== args.indexOf('help')), '--help'] : args;
  checkCommand(argv, COMMANDS);
  const cli = yargs(argv)
    .scriptName('pipeline')
    .usage('$0 <command> [options]\n\nTrain, monitor and serve a CO2 emission model; every fact lands in the stage\'s DuckDB file.')
    .option('config', { type: 'string', describe: 'Config file (default: $PIPELINE_CONFIG, else config/config.yaml of the checkout)', global: true })
    .option('stage', { choices: STAGES, default: 'DEV' as Stage, coerce: upper, describe: 'Stage whose database to use (any case)', global: true })
    .option('db', { type: 'string', describe: "Database file, overriding the stage's path from config", global: true })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'Debug logging and stack traces', global: true })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'Only warnings and errors on the console', global: true })
    .middleware(() => {
      started = true;
    })
    .command(
      'generate',
      'Write a synthetic dataset (CSV or Parquet) for the configured contract, deterministic for a seed',
      (y) =>
        y
          .option('rows', { type: 'number', default: 100000, describe: 'Number of rows' })
          .option('seed', { type: 'number', default: 42, describe: 'Random seed: same seed, same bytes' })
          .option('scenario', { type: 'string', default: 'baseline', describe: 'baseline | covariate-shift | concept-shift | target-shift' })
          .option('facilities', { alias: 'entities', type: 'number', describe: "Number of entities (facilities; countries in the country example; default: the generator's own); row i is entity i mod N at period i div N" })
          .option('start-date', { alias: 'start', type: 'string', default: '2024-01-01', describe: 'First day of the data (YYYY-MM-DD; a yearly generator uses its year)' })
          .option('bad-rows', { type: 'number', default: 0, describe: 'Fraction of rows to corrupt (malformed values)' })
          .option('target', { type: 'boolean', default: true, describe: 'Include the target column (--no-target: a batch whose actuals are unknown)' })
          .option('out', { type: 'string', demandOption: true, describe: 'Output file: .csv or .parquet' }),
      async (args) => (await import('./commands/generate.ts')).generateCommand(args),
    )
    .command(
      'ingest <file>',
      'Load a CSV or Parquet file into raw_data as one batch; rows breaking the contract go to quarantine',
      (y) =>
        y
          .positional('file', { type: 'string', demandOption: true, describe: 'CSV or Parquet file' })
          .option('force', { type: 'boolean', default: false, describe: 'Ingest even if a file with the same checksum was ingested before' }),
      async (args) => (await import('./commands/ingest.ts')).ingestCommand(args),
    )
    .command(
      'sql [query]',
      'Run one read-only query against the stage database and print the rows',
      (y) =>
        y
          .positional('query', { type: 'string', describe: 'The query (or use --file)' })
          .option('file', { alias: 'f', type: 'string', describe: 'Read the query from a .sql file' })
          .option('format', { choices: ['table', 'csv', 'json'] as const, default: 'table' as const, describe: 'Output format' })
          .option('max-rows', { type: 'number', describe: 'Write at most N rows and say how many were left out (default: 100 for table, all for csv and json)' })
          .option('timeout', { type: 'number', default: 300, describe: 'Stop the query after SECONDS (0: no limit)' }),
      async (args) => (await import('./commands/sql.ts')).sqlCommand(args),
    )
    .command(
      'run',
      'Run a pipeline: TRAINING_PIPELINE or PREDICTION_PIPELINE',
      (y) =>
        y
          .option('type', { choices: ['TRAINING_PIPELINE', 'PREDICTION_PIPELINE'] as const, describe: 'Which pipeline (not needed with --resume)' })
          .option('resume', { type: 'number', describe: 'Restart a failed run from its failed step, reusing the outputs of the steps that succeeded' })
          .check((a) => {
            if (a.type === undefined && a.resume === undefined) throw new Error('give --type TRAINING_PIPELINE|PREDICTION_PIPELINE (or --resume RUN_ID)');
            return true;
          })
          .option('input', { type: 'string', describe: 'Prediction: a file to ingest and score (default: the newest ingested batch)' })
          .option('output', { type: 'string', describe: 'Prediction: also export the served predictions (.csv, .parquet or .json)' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'Print the plan: every statement the run would execute, by step (made on a scratch copy; the database is not changed)' })
          .option('force', { type: 'boolean', default: false, describe: 'Training: train even if the data and training config equal the active model\'s' })
          .option('rescore', { type: 'boolean', default: false, describe: 'Prediction: score a batch that was already served (the new serving becomes current)' }),
      async (args) => (await import('./commands/run.ts')).runCommand(args),
    )
    .command(
      'compile',
      'Write the exact SQL a run would execute, one file per statement in order (the run is made on a scratch copy)',
      (y) =>
        y
          .option('type', { choices: ['TRAINING_PIPELINE', 'PREDICTION_PIPELINE'] as const, default: 'TRAINING_PIPELINE' as const, describe: 'Which pipeline' })
          .option('input', { type: 'string', describe: 'Prediction: the file the run would ingest and score (default: the newest ingested batch)' })
          .option('out', { type: 'string', default: 'target/compiled', describe: 'Folder to write <PIPELINE>/NN_step/NN_statement.sql into' })
          .option('force', { type: 'boolean', default: false, describe: "Training: as run --force (train even if nothing changed)" })
          .option('rescore', { type: 'boolean', default: false, describe: 'Prediction: as run --rescore' }),
      async (args) => (await import('./commands/compile.ts')).compileCommand(args),
    )
    .command(
      'status',
      'Show the active model and why it was deployed, recent runs and drift decisions',
      (y) =>
        y
          .option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Output format' })
          .option('limit', { type: 'number', default: 10, describe: 'How many recent runs and decisions' }),
      async (args) => (await import('./commands/status.ts')).statusCommand(args),
    )
    .command(
      'models <action> [version] [other]',
      'Model registry: list | show VERSION | diff A B | rollback [--to VERSION] | pin VERSION | unpin | promote --from DEV --to UAT',
      (y) =>
        y
          .positional('action', { choices: ['list', 'show', 'diff', 'rollback', 'pin', 'unpin', 'promote'] as const, demandOption: true })
          .positional('version', { type: 'number', describe: 'Model version (show, pin; diff: the first model; promote: which version, default the active one)' })
          .positional('other', { type: 'number', describe: 'diff: the second model' })
          .option('to', { type: 'string', describe: 'rollback: the version to re-activate; promote: the target stage' })
          .option('from', { choices: STAGES, coerce: upper, describe: 'promote: the source stage' })
          .option('from-db', { type: 'string', describe: "promote: the source database file, overriding the source stage's path" })
          .option('force', { type: 'boolean', default: false, describe: 'promote: deploy even if the gate refuses (needs --reason)' })
          .option('reason', { type: 'string', describe: 'Why (recorded in model_deployment_history; for rollback and pin, shown by status as the pin\'s reason)' })
          .option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Output format' }),
      async (args) => (await import('./commands/models.ts')).modelsCommand(args as never),
    )
    .command(
      'report',
      'Write one self-contained HTML report: a run and its steps, the active model and why, data drift with histograms, evaluation plots, model history',
      (y) =>
        y
          .option('run', { type: 'number', describe: 'Run to report on (default: the newest top-level run)' })
          .option('out', { type: 'string', demandOption: true, describe: 'Output HTML file' }),
      async (args) => (await import('./commands/report.ts')).reportCommand(args),
    )
    .demandCommand(1, 'Name a command (see --help).')
    .strict()
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err, y) => {
      if (err) throw err;
      throw usageError(msg ?? 'invalid usage (see --help)', argv, y as unknown as FailingUsage | undefined);
    }) as unknown as Argv<GlobalArgs>;
  skipHelpCache(cli);
  return cli;
}

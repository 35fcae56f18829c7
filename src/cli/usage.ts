/**
 * Usage errors in the user's words: an unknown command or option is named with the closest known one, an invalid
 * value is echoed with the choices. yargs finds the problems; this rewrites its messages.
 */
import { closest } from '../config/did-you-mean.ts';
import { ConfigError } from '../errors.ts';

/** Words a user may try instead of a command, and what does it. */
const COMMAND_HINTS: Readonly<Record<string, string>> = {
  train: 'run --type TRAINING_PIPELINE',
  training: 'run --type TRAINING_PIPELINE',
  retrain: 'run --type TRAINING_PIPELINE',
  predict: 'run --type PREDICTION_PIPELINE',
  prediction: 'run --type PREDICTION_PIPELINE',
  score: 'run --type PREDICTION_PIPELINE',
  resume: 'run --resume RUN_ID',
  query: 'sql',
  load: 'ingest',
  import: 'ingest',
  model: 'models',
  list: 'models list',
  show: 'models show VERSION',
  rollback: 'models rollback',
  promote: 'models promote --from DEV --to UAT',
};

/** Global options that take a value: the token after them is not the command. */
const GLOBAL_VALUE_OPTIONS = new Set(['--config', '--stage', '--db']);

/** The first positional word of the command line (the command), or undefined. */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return argv[i + 1];
    if (!a.startsWith('-')) return a;
    if (GLOBAL_VALUE_OPTIONS.has(a)) i++;
  }
  return undefined;
}

/** Refuses an unknown command before yargs parses anything, with the closest command (or what does it). */
export function checkCommand(argv: readonly string[], commands: readonly string[]): void {
  const word = commandWord(argv);
  if (word === undefined || commands.includes(word)) return;
  const [best] = closest(word, [...commands, ...Object.keys(COMMAND_HINTS)]);
  const hint = best === undefined ? '' : `; did you mean 'pipeline ${COMMAND_HINTS[best] ?? best}'?`;
  throw new ConfigError(`unknown command '${word}'${hint}`, [`commands: ${commands.join(', ')} (pipeline --help)`]);
}

/** What yargs's `fail` gets as its third argument: its usage instance, which knows the options of the failing command. */
export interface FailingUsage {
  getDescriptions(): Record<string, unknown>;
}

/**
 * Rewrites yargs's usage messages into ours: an unknown option names the closest known one, an invalid
 * value echoes the value, the closest choice and all of them.
 */
export function usageError(msg: string, argv: readonly string[], usage: FailingUsage | undefined): ConfigError {
  const unknown = /^Unknown arguments?: (.+)$/.exec(msg);
  if (unknown) {
    const known = typeof usage?.getDescriptions === 'function' ? Object.keys(usage.getDescriptions()) : [];
    const problems = unknown[1].split(', ').map((name) => {
      const dashed = name.length === 1 ? `-${name}` : `--${name}`;
      if (!argv.some((a) => a === dashed || a.startsWith(`${dashed}=`))) return `unexpected argument '${name}'`;
      const [best] = closest(name, known.filter((k) => k.length > 1));
      return `unknown option '${dashed}'${best ? `; did you mean '--${best}'?` : ''}`;
    });
    return new ConfigError(problems[0], [...problems.slice(1), 'see --help for the options of this command']);
  }
  const invalid = [...msg.matchAll(/Argument: (\S+), Given: "([^"]*)", Choices: (.+)/g)];
  if (invalid.length) {
    const problems = invalid.map(([, arg, given, list]) => {
      const choices = [...list.matchAll(/"([^"]*)"/g)].map((c) => c[1]);
      const [best] = closest(given, choices);
      return `invalid value '${given}' for ${arg}${best ? `; did you mean '${best}'?` : ''} (choices: ${choices.join(', ')})`;
    });
    return new ConfigError(problems[0], problems.slice(1));
  }
  return new ConfigError(msg);
}

/** The parts of yargs's internals {@link skipHelpCache} touches (yargs 18; absent, nothing is changed). */
interface YargsInternals {
  getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
}

/**
 * yargs renders the running command's whole help text as each handler starts, to show it should the handler fail
 * later; `pipeline` never shows help on a failure, and the rendering costs ~20 ms of every command's start-up.
 */
export function skipHelpCache(cli: unknown): void {
  const usage = (cli as YargsInternals).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

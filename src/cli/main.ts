import { hideBin } from 'yargs/helpers';
import { ExitCode, PipelineError, errorMessage } from '../errors.ts';
import { buildCli, commandStarted } from './commands.ts';

const argv = hideBin(process.argv);
const verbose = argv.includes('--verbose') || argv.includes('-v');

/** The only top-level catch: one line of cause (and the details), the stack with --verbose, a distinct exit code. */
async function main(): Promise<number> {
  try {
    await buildCli(argv).parseAsync();
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (err) {
    if (err instanceof PipelineError) {
      process.stderr.write(`error: ${err.message}\n`);
      for (const d of err.details) process.stderr.write(`  - ${d}\n`);
      if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
      if (loggingStarted()) (await import('../logger.ts')).logger.debug('command failed', { error: err.message, details: err.details, exitCode: err.exitCode });
      return err.exitCode;
    }
    process.stderr.write(`internal error: ${errorMessage(err).split('\n')[0]}\n`);
    if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    else process.stderr.write('  (run again with --verbose for the stack trace)\n');
    return ExitCode.INTERNAL;
  }
}

/** Whether the logger was loaded: only a command's module loads it (`--help` and usage errors start without winston). */
const loggingStarted = commandStarted;

// no top-level await: bin/pipeline.mjs runs this module bundled as CommonJS
void main().then(async (code) => {
  if (loggingStarted()) await (await import('../logger.ts')).closeLogging();
  process.exit(code);
});

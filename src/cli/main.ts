import { hideBin } from 'yargs/helpers';
import { ExitCode, PipelineError, environmentFault, errorMessage } from '../errors.ts';
import { endAllActivity } from '../runs/activity.ts';
import { removeAllTempFiles } from '../temp-files.ts';
import { buildCli, commandStarted } from './commands.ts';

const argv = hideBin(process.argv);
// a reader that closes the pipe early (`| head`) ends the output, not the command with an unhandled error
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') process.stderr.write(`error: cannot write to stdout: ${err.message}\n`);
});
const verbose = argv.includes('--verbose') || argv.includes('-v');
// Stopped by a signal (Ctrl-C, `kill`, a closed terminal): remove the temp files (an ingest's numbered copy of its CSV
// is as big as the file) and the activity files this process made, then end by the same signal, as if unhandled (the
// shell sees 130, 143, 129). The database needs nothing: the interrupted transaction never committed, and the run it
// belonged to is marked aborted by the next run (docs/reliability.md).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    removeAllTempFiles();
    endAllActivity();
    process.kill(process.pid, signal);
  });
}

/** The only top-level catch: one line of cause (and the details), the stack with --verbose, a distinct exit code. */
async function main(): Promise<number> {
  try {
    await buildCli(argv).parseAsync();
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (caught) {
    // disk full, permissions, a damaged file: exit 5 with the path and what to do, not an internal error
    const err = environmentFault(caught) ?? caught;
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
  // stdout into a pipe is written asynchronously: exit only once everything written has been handed over
  await new Promise<void>((resolve) => (process.stdout.writableLength === 0 || process.stdout.destroyed ? resolve() : process.stdout.write('', () => resolve())));
  process.exit(code);
});

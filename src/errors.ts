/** Process exit codes, documented in the README. */
export const ExitCode = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  BAD_INPUT: 3,
  LOCKED: 4,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the user can act on: a one-line message and the exit code that goes with it. */
export class PipelineError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly details: string[];
  constructor(message: string, exitCode: ExitCodeValue, details: string[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.details = details;
  }
}

/** Bad command-line usage or configuration (exit 2). `details` lists every problem found. */
export class ConfigError extends PipelineError {
  constructor(message: string, details: string[] = [], options?: { cause?: unknown }) {
    super(message, ExitCode.USAGE, details, options);
  }
}

/** Input data that cannot be used: unreadable file, contract violation of the whole file, empty database (exit 3). */
export class InputError extends PipelineError {
  constructor(message: string, details: string[] = [], options?: { cause?: unknown }) {
    super(message, ExitCode.BAD_INPUT, details, options);
  }
}

/** A `--resume` that cannot go on (changed input or config, missing outputs); the run is left as it was (exit 3). */
export class ResumeRefusedError extends InputError {}

/** The stage database is held by another process (exit 4). */
export class LockedError extends PipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.LOCKED, [], options);
  }
}

/** A query or step that failed for reasons inside the pipeline (exit 1). Names the SQL file when there is one. */
export class SqlError extends PipelineError {
  readonly file: string | undefined;
  constructor(message: string, file?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.INTERNAL, [], options);
    this.file = file;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

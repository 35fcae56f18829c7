/** Process exit codes, documented in the README. */
export const ExitCode = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  BAD_INPUT: 3,
  LOCKED: 4,
  ENVIRONMENT: 5,
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

/**
 * The machine refused, not the pipeline or its input (exit 5): the disk is full, a path is not writable (permissions,
 * a read-only file system, a path through a regular file), or the database file is damaged. Nothing was committed;
 * once the cause is gone the same command can run again.
 */
export class EnvironmentError extends PipelineError {
  constructor(message: string, details: string[] = [], options?: { cause?: unknown }) {
    super(message, ExitCode.ENVIRONMENT, details, options);
  }
}

interface Fault {
  /** Node errno codes and DuckDB message texts that say it. */
  codes: string[];
  text: RegExp;
  what: string;
  todo: (path: string | null) => string;
}

const where = (p: string | null) => (p ? ` on the file system of ${p}` : '');
const FAULTS: Fault[] = [
  { codes: ['ENOSPC', 'EDQUOT'], text: /No space left on device|Disk quota exceeded/i, what: 'the disk is full', todo: (p) => `free space${where(p)} (df -h shows it), then run the command again: nothing was committed` },
  { codes: ['EFBIG'], text: /File too large/i, what: 'a file size limit was reached', todo: () => 'raise the file size limit (ulimit -f) or free space, then run the command again: nothing was committed' },
  { codes: ['EROFS'], text: /Read-only file system/i, what: 'the file system is read-only', todo: (p) => `use a writable location${p ? ` instead of ${p}` : ''} (--db, --output, logging.file)` },
  { codes: ['EACCES', 'EPERM'], text: /Permission denied|Operation not permitted/i, what: 'permission denied', todo: (p) => `give the user running the pipeline write access${p ? ` to ${p} and its folder` : ''}, or choose another path` },
  { codes: ['ENOTDIR'], text: /Not a directory/i, what: 'a folder in the path is a regular file', todo: (p) => `check the path${p ? ` ${p}` : ''}: one of its folders is a file` },
  { codes: ['EIO'], text: /Input\/output error/i, what: 'the disk reported an input/output error', todo: () => 'check the disk (dmesg) before running again' },
  {
    codes: [],
    text: /Out of Memory Error|could not allocate block of size|failed to (allocate|pin) (data|block) of size/i,
    what: "DuckDB's buffer pool is full (duckdb.memory_limit in the config)",
    todo: () =>
      'raise duckdb.memory_limit in the config (the pool DuckDB may fill; sorts and joins spill to disk past it, some aggregates cannot), or run with fewer duckdb.threads; nothing was committed',
  },
  {
    codes: [],
    text: /Corrupt database file|does not match stored checksum/i,
    what: 'the database file is damaged (a block fails its checksum)',
    todo: (p) => `restore ${p ?? 'the database file'} from a backup (or move it away and rebuild it); do not write to it`,
  },
];

/**
 * The environment fault an error (or any error in its `cause` chain) reports, as an EnvironmentError naming the path
 * (from the error, else `pathHint`) and what to do; null when it is not one. Errors the user chose (usage, input,
 * locks) are left as they are.
 */
export function environmentFault(err: unknown, pathHint?: string): EnvironmentError | null {
  if (err instanceof EnvironmentError) return err;
  if (err instanceof PipelineError && err.exitCode !== ExitCode.INTERNAL && err.exitCode !== ExitCode.BAD_INPUT) return null;
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof EnvironmentError) return e;
    const code = typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : '';
    const msg = errorMessage(e);
    const fault = FAULTS.find((f) => f.codes.includes(code) || f.text.test(msg));
    if (!fault) continue;
    const p = typeof (e as { path?: unknown }).path === 'string' ? (e as { path: string }).path : (/"(\/[^"]+)"/.exec(msg)?.[1] ?? /'(\/[^']+)'/.exec(msg)?.[1] ?? pathHint ?? null);
    const first = errorMessage(err).split('\n')[0];
    return new EnvironmentError(`${fault.what}${p ? `: ${p}` : ''} (${first})`, [fault.todo(p)], { cause: err });
  }
  return null;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

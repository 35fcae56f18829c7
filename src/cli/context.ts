import path from 'node:path';
import { loadConfig, PROJECT_ROOT, stageDatabasePath, type Config } from '../config/load.ts';
import type { Stage } from '../config/schema.ts';
import { openDatabase, type OpenOptions, type PipelineDb } from '../db/database.ts';
import { LockedError } from '../errors.ts';
import { configureLogging, type Verbosity } from '../logger.ts';
import { beginActivity, describeActivity, endActivity, readActivity, StageBusyError } from '../runs/activity.ts';

/** Options every command takes. */
export interface GlobalArgs {
  config?: string;
  db?: string;
  stage: Stage;
  verbose?: boolean;
  quiet?: boolean;
}

export interface CommandContext {
  config: Config;
  stage: Stage;
  dbPath: string;
  open(options?: OpenOptions): Promise<PipelineDb>;
}

export function verbosityOf(args: { verbose?: boolean; quiet?: boolean }): Verbosity {
  return args.verbose ? 'verbose' : args.quiet ? 'quiet' : 'normal';
}

/** Loads config, sets up logging and says which database the command works on. */
export function createContext(args: GlobalArgs): CommandContext {
  // PIPELINE_CONFIG: the config of a folder of one's own, without --config on every command
  const config = loadConfig(args.config ?? (process.env.PIPELINE_CONFIG || undefined));
  configureLogging(config.logging, verbosityOf(args), PROJECT_ROOT);
  const dbPath = args.db ? path.resolve(args.db) : stageDatabasePath(config, args.stage);
  return {
    config,
    stage: args.stage,
    dbPath,
    async open(options = {}) {
      let db: PipelineDb;
      try {
        db = await openDatabase(dbPath, { threads: config.duckdb.threads, memoryLimit: config.duckdb.memory_limit, deterministic: config.duckdb.deterministic, ...options });
      } catch (err) {
        throw busyError(err, dbPath, args.db ? 'it' : `stage ${args.stage}`);
      }
      if (options.readOnly) return db;
      // a writer says what it does in the activity file beside the database, until it closes it
      beginActivity(dbPath, { command: process.argv.slice(2).join(' '), stage: args.db ? null : args.stage });
      return {
        ...db,
        async close() {
          try {
            await db.close();
          } finally {
            endActivity(dbPath);
          }
        },
      };
    },
  };
}

/** A lock error names the run that holds the stage, its step and since when, when its activity file says so. */
export function busyError(err: unknown, dbPath: string, what: string): unknown {
  if (!(err instanceof LockedError) || err instanceof StageBusyError) return err;
  const lockPid = /PID (\d+)/.exec(err.message)?.[1];
  const activity = readActivity(dbPath, lockPid === undefined ? undefined : Number(lockPid));
  if (!activity) return err;
  return new StageBusyError(
    `database ${dbPath} is in use by another process (PID ${activity.pid}): ${what} is busy with ${describeActivity(activity)}; wait for it to finish or stop it ('pipeline status' shows its progress)`,
    activity,
    { cause: err },
  );
}

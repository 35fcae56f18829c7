import path from 'node:path';
import { loadConfig, PROJECT_ROOT, stageDatabasePath, type Config } from '../config/load.ts';
import type { Stage } from '../config/schema.ts';
import { openDatabase, type OpenOptions, type PipelineDb } from '../db/database.ts';
import { configureLogging, type Verbosity } from '../logger.ts';

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
  const config = loadConfig(args.config);
  configureLogging(config.logging, verbosityOf(args), PROJECT_ROOT);
  const dbPath = args.db ? path.resolve(args.db) : stageDatabasePath(config, args.stage);
  return {
    config,
    stage: args.stage,
    dbPath,
    open: (options = {}) => openDatabase(dbPath, { threads: config.duckdb.threads, memoryLimit: config.duckdb.memory_limit, deterministic: config.duckdb.deterministic, ...options }),
  };
}

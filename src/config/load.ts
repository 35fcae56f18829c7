import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { buildContract, type Contract } from './contract.ts';
import { configSchema, loggingSchema, type LoggingConfig, type ParsedConfig, type Stage } from './schema.ts';

/** The project folder (where package.json, sql/ and migrations/ are). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFAULT_CONFIG_PATH = path.join(PROJECT_ROOT, 'config/config.yaml');
export const DEFAULT_LOGGING_PATH = path.join(PROJECT_ROOT, 'config/logging.yaml');

/** The validated, frozen configuration. */
export interface Config extends ParsedConfig {
  readonly source: string;
  readonly contract: Contract;
  readonly logging: LoggingConfig;
}

function formatIssues(issues: z.core.$ZodIssue[]): string[] {
  return issues.map((i) => {
    const key = i.path.length ? i.path.join('.') : '(top level)';
    if (i.code === 'unrecognized_keys') return `${key}: unknown key(s) ${i.keys.map((k) => `'${k}'`).join(', ')}`;
    return `${key}: ${i.message}`;
  });
}

function readYaml(file: string): unknown {
  if (!existsSync(file)) throw new ConfigError(`config file not found: ${file}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  const doc = YAML.parseDocument(text);
  if (doc.errors.length) {
    throw new ConfigError(`config file ${file} is not valid YAML`, doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`));
  }
  return doc.toJS() ?? {};
}

function deepFreeze<T>(obj: T): T {
  if (obj && typeof obj === 'object' && !Object.isFrozen(obj)) {
    Object.freeze(obj);
    for (const v of Object.values(obj)) deepFreeze(v);
  }
  return obj;
}

/** Parses a config object (already read from YAML); every problem is reported at once, with its key path. */
export function parseConfig(raw: unknown, source = '<inline>', loggingRaw: unknown = {}): Config {
  const result = configSchema.safeParse(raw);
  const logging = loggingSchema.safeParse(loggingRaw ?? {});
  const errors: string[] = [];
  if (!result.success) errors.push(...formatIssues(result.error.issues));
  if (!logging.success) errors.push(...formatIssues(logging.error.issues).map((e) => `logging: ${e}`));
  let contract: Contract | undefined;
  if (result.success) contract = buildContract(result.data, errors);
  if (errors.length || !result.success || !logging.success || !contract) {
    throw new ConfigError(`invalid configuration in ${source}: ${errors.length} problem${errors.length === 1 ? '' : 's'}`, errors);
  }
  return deepFreeze({ ...result.data, source, contract, logging: logging.data });
}

/** Loads config/config.yaml (or `file`) and config/logging.yaml beside it. */
export function loadConfig(file?: string): Config {
  const configPath = path.resolve(file ?? DEFAULT_CONFIG_PATH);
  const loggingPath = path.join(path.dirname(configPath), 'logging.yaml');
  const loggingRaw = existsSync(loggingPath) ? readYaml(loggingPath) : existsSync(DEFAULT_LOGGING_PATH) ? readYaml(DEFAULT_LOGGING_PATH) : {};
  return parseConfig(readYaml(configPath), configPath, loggingRaw);
}

/** The database file of a stage, relative paths taken from the project folder. */
export function stageDatabasePath(config: Config, stage: Stage): string {
  const p = config.stages[stage].database;
  return p === ':memory:' ? p : path.resolve(PROJECT_ROOT, p);
}

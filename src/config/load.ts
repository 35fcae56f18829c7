import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { buildContract, type Contract } from './contract.ts';
import { closest } from './did-you-mean.ts';
import { parseExpression } from './expression.ts';
import { configSchema, loggingSchema, type LoggingConfig, type ParsedConfig, type Stage } from './schema.ts';

// One parse per process: zod's JIT (it compiles each object schema with `new Function` on first use) costs more
// than it saves here, ~15 ms of every command's start-up.
z.config({ jitless: true });

export { PROJECT_ROOT };
export const DEFAULT_CONFIG_PATH = path.join(PROJECT_ROOT, 'config/config.yaml');
export const DEFAULT_LOGGING_PATH = path.join(PROJECT_ROOT, 'config/logging.yaml');

/** The validated, frozen configuration. */
export interface Config extends ParsedConfig {
  readonly source: string;
  readonly contract: Contract;
  readonly logging: LoggingConfig;
}

/** The schema inside optional/default/prefault/nullable wrappers. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  while ('innerType' in s._zod.def) s = (s._zod.def as { innerType: z.core.$ZodType }).innerType;
  return s;
}

/** The keys an object at `path` of the schema may have (through arrays and records), or [] if it is not an object. */
function keysAt(schema: z.core.$ZodType, at: readonly PropertyKey[]): string[] {
  let s: z.core.$ZodType | undefined = unwrap(schema);
  for (const seg of at) {
    if (s instanceof z.ZodObject) s = s.shape[String(seg)] as z.core.$ZodType | undefined;
    else if (s instanceof z.ZodArray) s = s.element as z.core.$ZodType;
    else if (s instanceof z.ZodRecord) s = s._zod.def.valueType as z.core.$ZodType;
    else return [];
    if (!s) return [];
    s = unwrap(s);
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/** The value at `path` of the raw (unvalidated) config. */
function valueAt(raw: unknown, at: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const seg of at) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/**
 * One line per problem, with its key path: an unknown key names the closest allowed key (or lists them), an
 * invalid choice echoes the value given, the closest allowed value and all of them.
 */
function formatIssues(issues: z.core.$ZodIssue[], schema: z.core.$ZodType, raw: unknown): string[] {
  return issues.map((i) => {
    const key = i.path.length ? i.path.join('.') : '(top level)';
    if (i.code === 'unrecognized_keys') {
      const allowed = keysAt(schema, i.path);
      let anySuggestion = false;
      const keys = i.keys.map((k) => {
        const [best] = closest(k, allowed);
        anySuggestion ||= best !== undefined;
        return `'${k}'${best ? ` (did you mean '${best}'?)` : ''}`;
      });
      return `${key}: unknown key(s) ${keys.join(', ')}${!anySuggestion && allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`;
    }
    if (i.code === 'invalid_value' && i.values.length > 1) {
      const given = valueAt(raw, i.path);
      const allowed = i.values.map(String);
      const [best] = typeof given === 'string' ? closest(given, allowed) : [];
      const shown = typeof given === 'string' ? `'${given}'` : (JSON.stringify(given) ?? 'nothing');
      return `${key}: ${shown} is not one of ${allowed.join(', ')}${best ? `; did you mean '${best}'?` : ''}`;
    }
    return `${key}: ${i.message}`;
  });
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The derived-feature expressions checked on the raw config, for when the schema check failed elsewhere (the
 * contract is then not built): their problems are listed with the schema's, not one run later. A column whose
 * role is itself invalid counts as numeric here, so a typo in a role does not also flag every expression using it.
 */
function rawDerivedProblems(raw: unknown, issues: z.core.$ZodIssue[]): string[] {
  const ds = isRecord(raw) ? raw.dataset : undefined;
  if (!isRecord(ds) || !isRecord(ds.derived) || !Array.isArray(ds.columns)) return [];
  const roles = ['id', 'timestamp', 'categorical', 'numeric', 'target'];
  const numeric = new Set(
    ds.columns.filter((c): c is Record<string, unknown> => isRecord(c) && typeof c.name === 'string' && (c.role === 'numeric' || !roles.includes(String(c.role)))).map((c) => String(c.name)),
  );
  const flagged = new Set(issues.map((i) => i.path.slice(0, 3).join('.')));
  const out: string[] = [];
  for (const [name, expr] of Object.entries(ds.derived)) {
    const at = `dataset.derived.${name}`;
    if (typeof expr !== 'string' || flagged.has(at) || flagged.has('dataset.derived')) continue;
    const parsed = parseExpression(expr, numeric);
    if (!parsed.ok) out.push(...parsed.errors.map((e) => `${at}: ${e}`));
  }
  return out;
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
  if (!result.success) errors.push(...formatIssues(result.error.issues, configSchema, raw), ...rawDerivedProblems(raw, result.error.issues));
  if (!logging.success) errors.push(...formatIssues(logging.error.issues, loggingSchema, loggingRaw).map((e) => `logging: ${e}`));
  let contract: Contract | undefined;
  if (result.success) contract = buildContract(result.data, errors);
  if (errors.length || !result.success || !logging.success || !contract) {
    throw new ConfigError(`invalid configuration in ${source}: ${errors.length} problem${errors.length === 1 ? '' : 's'}`, errors);
  }
  return deepFreeze({ ...result.data, source, contract, logging: logging.data });
}

/**
 * Loads config/config.yaml (or `file`) and the logging.yaml beside it (else the project's). Relative paths in
 * them are taken from their own folder: the stage databases by {@link stageDatabasePath}, the log file here.
 */
export function loadConfig(file?: string): Config {
  const configPath = path.resolve(file ?? DEFAULT_CONFIG_PATH);
  const besides = path.join(path.dirname(configPath), 'logging.yaml');
  const loggingPath = existsSync(besides) ? besides : existsSync(DEFAULT_LOGGING_PATH) ? DEFAULT_LOGGING_PATH : undefined;
  const loggingRaw = loggingPath ? readYaml(loggingPath) : {};
  if (loggingPath && isRecord(loggingRaw) && typeof loggingRaw.file === 'string' && loggingRaw.file) loggingRaw.file = path.resolve(path.dirname(loggingPath), loggingRaw.file);
  return parseConfig(readYaml(configPath), configPath, loggingRaw);
}

/** The folder relative paths in a config are taken from: the config file's own (the project folder for a config given inline). */
export function configDir(config: Pick<Config, 'source'>): string {
  return path.isAbsolute(config.source) ? path.dirname(config.source) : PROJECT_ROOT;
}

/** The database file of a stage, a relative path taken from the config file's folder. */
export function stageDatabasePath(config: Config, stage: Stage): string {
  const p = config.stages[stage].database;
  return p === ':memory:' ? p : path.resolve(configDir(config), p);
}

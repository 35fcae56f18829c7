import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError } from '../errors.ts';
import type { Config } from '../config/load.ts';

/** A dataset's synthetic generator: its SQL and the truth (parameters) the SQL reads. */
export interface SyntheticSpec {
  file: string;
  sql: string;
  truth: Record<string, unknown>;
  scenarios: string[];
}

/** Finds `synthetic/<dataset>.yaml` beside the config file, falling back to the project's config folder. */
export function loadSyntheticSpec(config: Config): SyntheticSpec {
  const name = config.contract.name;
  const candidates = [path.join(path.dirname(config.source), 'synthetic', `${name}.yaml`), path.resolve(path.dirname(config.source), '..', 'synthetic', `${name}.yaml`)];
  const file = candidates.find((c) => existsSync(c));
  if (!file) throw new ConfigError(`no synthetic generator for dataset '${name}': expected ${candidates[0]}`);
  const truth = YAML.parse(readFileSync(file, 'utf8'), { merge: true }) as Record<string, unknown>;
  if (typeof truth.sql !== 'string') throw new ConfigError(`${file}: key 'sql' must name the generator's SQL file`);
  const sqlFile = path.join(path.dirname(file), truth.sql);
  if (!existsSync(sqlFile)) throw new ConfigError(`${file}: sql file ${sqlFile} not found`);
  const coefficients = (truth.coefficients ?? {}) as Record<string, unknown>;
  return { file, sql: readFileSync(sqlFile, 'utf8'), truth, scenarios: Object.keys(coefficients) };
}

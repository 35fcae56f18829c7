/**
 * The "bring your own dataset" example shared by the byod suites: config/examples/country_energy_co2, a yearly
 * panel of countries with an integer year as time and categoricals that are not regions.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig, parseConfig, PROJECT_ROOT, type Config } from '../../../src/config/load.ts';
import { logger } from '../../../src/logger.ts';

export const EXAMPLE_DIR = path.join(PROJECT_ROOT, 'config/examples/country_energy_co2');
export const EXAMPLE_CONFIG = path.join(EXAMPLE_DIR, 'config.yaml');
/** Shipped data: 60 countries × 1990–2015, baseline, seed 42, labelled. */
export const HISTORY_CSV = path.join(EXAMPLE_DIR, 'data/history_1990_2015.csv');
/** Shipped data: 60 countries × 2020–2024, covariate-shift, seed 7, no target column. */
export const SHIFTED_CSV = path.join(EXAMPLE_DIR, 'data/batch_2020_2024_covariate_shift.csv');
export const COUNTRIES = 60;

/** How the shipped files were made (`pipeline generate` options), so tests can regenerate them. */
export const SHIPPED = {
  history: { rows: 1560, seed: 42, scenario: 'baseline', startDate: '1990-01-01', withTarget: true },
  shifted: { rows: 300, seed: 7, scenario: 'covariate-shift', startDate: '2020-01-01', withTarget: false },
} as const;

/** The example's config.yaml as plain objects (before validation), for tests to edit. */
export function rawExampleConfig(): Record<string, any> {
  return YAML.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, any>;
}

/**
 * The example config with `edit` applied to its raw form, validated as if it were the example's config.yaml
 * (so `generate` still finds synthetic/country_energy_co2.yaml beside it).
 */
export function exampleConfigWith(edit: (raw: Record<string, any>) => void): Config {
  const raw = rawExampleConfig();
  edit(raw);
  return parseConfig(raw, EXAMPLE_CONFIG);
}

export function exampleConfig(): Config {
  return loadConfig(EXAMPLE_CONFIG);
}

/** The generator's truth (synthetic/country_energy_co2.yaml), with YAML merge keys resolved. */
export function exampleTruth(): Record<string, any> {
  return YAML.parse(readFileSync(path.join(EXAMPLE_DIR, 'synthetic/country_energy_co2.yaml'), 'utf8'), { merge: true }) as Record<string, any>;
}

/** Registers hooks that keep the in-process logger at `error` inside the current describe (drift warnings are expected). */
export function quietLogger(): void {
  const saved: (string | undefined)[] = [];
  before(() => {
    if (process.env.PIPELINE_TEST_LOGS === '1') return;
    for (const t of logger.transports) {
      saved.push(t.level);
      t.level = 'error';
    }
  });
  after(() => {
    if (process.env.PIPELINE_TEST_LOGS === '1') return;
    logger.transports.forEach((t, i) => (t.level = saved[i]));
  });
}

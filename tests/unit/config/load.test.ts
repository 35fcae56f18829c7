import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CONFIG_PATH, loadConfig, parseConfig, PROJECT_ROOT, stageDatabasePath, type Config } from '../../../src/config/load.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { ConfigError } from '../../../src/errors.ts';
import { loadSyntheticSpec } from '../../../src/generate/synthetic-spec.ts';
import { rawDefaultConfig, useTmpDir } from '../../support/helpers.ts';

/** Parses the default config after `edit` and returns the ConfigError it must raise. */
function configError(edit: (raw: Record<string, any>) => void): ConfigError {
  const raw = rawDefaultConfig();
  edit(raw);
  try {
    parseConfig(raw, 'test.yaml');
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected parseConfig to throw a ConfigError');
}

function column(raw: Record<string, any>, name: string): Record<string, any> {
  const c = (raw.dataset.columns as Record<string, any>[]).find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name}`);
  return c;
}

describe('config: loading', () => {
  const dir = useTmpDir();

  it('loads config/config.yaml with its contract', () => {
    const cfg = loadConfig();
    expect(cfg.source).to.equal(DEFAULT_CONFIG_PATH);
    const c = cfg.contract;
    expect(c.name).to.equal('italy_facility_co2');
    expect(c.idColumns).to.deep.equal(['facility_id']);
    expect(c.timestamp.name).to.equal('date');
    expect(c.timeKind).to.equal('date');
    expect(c.target.name).to.equal('co2_tonnes');
    expect(c.categoricals.map((x) => x.name)).to.deep.equal(['region', 'sector']);
    expect(c.numerics.map((x) => x.name)).to.deep.equal(['temperature_c', 'energy_mwh', 'renewable_share', 'activity_index', 'fuel_price_eur_mwh']);
    expect(c.categoricals[0].levels).to.have.length(20);
    expect(c.derived).to.deep.equal([{ name: 'fossil_energy_mwh', sql: '("energy_mwh" * ( 1 - "renewable_share" ))', columns: ['energy_mwh', 'renewable_share'], missing: { kind: 'impute', impute: 'mean', indicator: false } }]);
    expect(cfg.logging.level).to.equal('info');
  });

  it('fills defaults for omitted optional sections', () => {
    const raw = rawDefaultConfig();
    delete raw.steps;
    delete raw.duckdb;
    delete raw.retention;
    const cfg = parseConfig(raw, 'test.yaml');
    expect(cfg.duckdb).to.include({ threads: 2, memory_limit: '256MB' });
    expect(cfg.steps.train_test_split).to.deep.equal({ method: 'random', test_fraction: 0.2, seed: 42 });
    expect(cfg.steps.data_drift_detection.distance_threshold).to.equal(0.1);
    expect(cfg.retention.keep_runs).to.equal(5);
  });

  it('returns a deeply frozen object', () => {
    const cfg: Config = loadConfig();
    expect(Object.isFrozen(cfg)).to.equal(true);
    expect(Object.isFrozen(cfg.contract.columns)).to.equal(true);
    expect(Object.isFrozen(cfg.contract.columns[0])).to.equal(true);
    expect(Object.isFrozen(cfg.steps.model_training.exclude_features)).to.equal(true);
    expect(() => {
      (cfg.steps.train_test_split as { seed: number }).seed = 1;
    }).to.throw(TypeError);
    expect(() => {
      (cfg.contract.columns as unknown as unknown[]).push({});
    }).to.throw(TypeError);
  });

  it('resolves stage database paths from the project folder', () => {
    const cfg = loadConfig();
    expect(stageDatabasePath(cfg, 'DEV')).to.equal(path.join(PROJECT_ROOT, 'data/dev.duckdb'));
    expect(stageDatabasePath(cfg, 'PROD')).to.equal(path.join(PROJECT_ROOT, 'data/prod.duckdb'));
  });

  it('reports a missing file and invalid YAML as ConfigErrors (exit 2)', () => {
    expect(() => loadConfig(path.join(dir(), 'nope.yaml'))).to.throw(ConfigError, /config file not found/);
    const bad = path.join(dir(), 'bad.yaml');
    writeFileSync(bad, 'stages: [\n  oops: 1\n');
    let caught: unknown;
    try {
      loadConfig(bad);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ConfigError);
    expect((caught as ConfigError).exitCode).to.equal(2);
    expect((caught as ConfigError).message).to.match(/not valid YAML/);
    expect((caught as ConfigError).details[0]).to.match(/^line \d+:/);
  });
});

describe('config: validation errors', () => {
  it('reports every schema problem at once, each with its key path', () => {
    const err = configError((raw) => {
      raw.bogus = 1; // unknown key at top level
      raw.steps.model_training.foo = true; // unknown nested key
      raw.duckdb.threads = 'two'; // wrong type
      column(raw, 'temperature_c').min = 'cold'; // wrong type inside a list
      delete raw.stages.UAT; // missing stage
    });
    expect(err.exitCode).to.equal(2);
    expect(err.message).to.equal('invalid configuration in test.yaml: 5 problems');
    // an unknown key lists the keys allowed there (whatever keys the schema has today)
    const [unknownNested] = err.details.filter((d) => d.startsWith('steps.model_training:'));
    expect(unknownNested).to.match(/^steps\.model_training: unknown key\(s\) 'foo' \(allowed: ridge_lambda, exclude_features, window(, \w+)*\)$/);
    expect(err.details.filter((d) => d !== unknownNested)).to.have.members([
      `(top level): unknown key(s) 'bogus' (allowed: ${Object.keys(configSchema.shape).join(', ')})`,
      'duckdb.threads: Invalid input: expected number, received string',
      'dataset.columns.4.min: Invalid input: expected number, received string',
      'stages.UAT: Invalid input: expected object, received undefined',
    ]);
  });

  it('refuses a stage that does not exist and an empty database path', () => {
    const err = configError((raw) => {
      raw.stages.QA = { database: 'data/qa.duckdb' };
      raw.stages.DEV.database = '';
    });
    expect(err.details).to.have.length(2);
    expect(err.details).to.include("stages: unknown key(s) 'QA' (allowed: DEV, UAT, PROD)");
    expect(err.details.some((d) => d.startsWith('stages.DEV.database:'))).to.equal(true);
  });

  it('reports every contract problem at once, each with its key path', () => {
    const err = configError((raw) => {
      raw.dataset.columns.push({ name: 'region', role: 'categorical', levels: ['a', 'b'] }); // duplicate column
      raw.dataset.columns = raw.dataset.columns.filter((c: { role: string }) => c.role !== 'target'); // no target
      raw.dataset.derived.bad_col = 'energy_mwh * ghost'; // unknown column
      raw.dataset.derived.bad_fn = 'system(energy_mwh)'; // disallowed function
      raw.steps.model_training.exclude_features = ['energy_mwh', 'ghost_feature']; // unknown feature
    });
    expect(err.message).to.equal('invalid configuration in test.yaml: 5 problems');
    const idx = rawDefaultConfig().dataset.columns.findIndex((c: { name: string }) => c.name === 'region');
    expect(err.details).to.have.length(5);
    expect(err.details).to.include(`dataset.columns.9.name: duplicate column 'region' (also dataset.columns.${idx})`);
    expect(err.details).to.include("dataset.columns: exactly one column must have role 'target' (found 0)");
    expect(err.details.find((d) => d.startsWith('dataset.derived.bad_col: '))).to.match(/unknown column 'ghost'/);
    expect(err.details.find((d) => d.startsWith('dataset.derived.bad_fn: '))).to.match(/function 'system' is not allowed/);
    expect(err.details).to.include("steps.model_training.exclude_features.1: 'ghost_feature' is not a feature of the contract");
  });

  it('refuses a feature listed twice in exclude_features', () => {
    const err = configError((raw) => {
      raw.steps.model_training.exclude_features = ['energy_mwh', 'region', 'energy_mwh'];
    });
    expect(err.details).to.deep.equal(["steps.model_training.exclude_features.2: 'energy_mwh' is already listed (item 0)"]);
  });

  it("finds the project's synthetic generator for a config kept outside config/", () => {
    const file = path.join(os.tmpdir(), 'mlp-no-such-folder', 'elsewhere', 'my-config.yaml');
    const cfg = parseConfig(rawDefaultConfig(), file);
    const spec = loadSyntheticSpec(cfg);
    expect(spec.file).to.equal(path.join(PROJECT_ROOT, 'config/synthetic/italy_facility_co2.yaml'));
    expect(spec.sql.length).to.be.greaterThan(0);
  });

  it('refuses two target columns, no id column and a missing timestamp', () => {
    const err = configError((raw) => {
      raw.dataset.columns.push({ name: 'co2_kg', role: 'target' });
      raw.dataset.columns = raw.dataset.columns.filter((c: { role: string }) => c.role !== 'id' && c.role !== 'timestamp');
    });
    expect(err.details).to.include("dataset.columns: exactly one column must have role 'target' (found 2)");
    expect(err.details).to.include("dataset.columns: no column has role 'id' (the row key is the id columns plus the timestamp)");
    expect(err.details).to.include("dataset.columns: exactly one column must have role 'timestamp' (found 0)");
  });

  it('refuses reserved column names, bad identifiers and inconsistent column types', () => {
    const err = configError((raw) => {
      raw.dataset.columns.push({ name: 'batch_id', role: 'numeric' });
      raw.dataset.columns.push({ name: 'Bad Name', role: 'numeric' });
      column(raw, 'sector').type = 'double';
      column(raw, 'energy_mwh').type = 'varchar';
      column(raw, 'renewable_share').min = 2;
    });
    expect(err.details.some((d) => d.startsWith('dataset.columns.11.name: must be a lowercase identifier'))).to.equal(true);
    // schema (shape) errors stop before the contract checks; with the identifier fixed, every contract problem is reported
    const err2 = configError((raw) => {
      raw.dataset.columns.push({ name: 'batch_id', role: 'numeric' });
      column(raw, 'sector').type = 'double';
      column(raw, 'energy_mwh').type = 'varchar';
      column(raw, 'renewable_share').min = 2;
    });
    expect(err2.details).to.include("dataset.columns.10.name: 'batch_id' is reserved for the pipeline's own columns");
    expect(err2.details).to.include('dataset.columns.3.type: a categorical column must be varchar');
    expect(err2.details).to.include('dataset.columns.5.type: a numeric column must be double or integer, not varchar');
    expect(err2.details).to.include('dataset.columns.6: min 2 is greater than max 1');
  });

  it("refuses derived features named like the pipeline's own columns", () => {
    const err = configError((raw) => {
      raw.dataset.derived.prediction = 'energy_mwh * 2';
      raw.dataset.derived.batch_id = 'energy_mwh + 1';
    });
    expect(err.details).to.include("dataset.derived.prediction: 'prediction' is reserved for the pipeline's own columns");
    expect(err.details).to.include("dataset.derived.batch_id: 'batch_id' is reserved for the pipeline's own columns");
  });

  it('refuses drift overrides for unknown features and inverted clip quantiles', () => {
    const err = configError((raw) => {
      raw.steps.data_drift_detection.features = { ghost: { method: 'ks', threshold: 0.05 }, energy_mwh: { method: 'psi', threshold: 0.2 } };
      raw.steps.data_processing.clip_quantiles = [0.9, 0.1];
    });
    expect(err.details).to.have.length(2);
    expect(err.details[0]).to.match(/^steps\.data_drift_detection\.features\.ghost: not a feature of the contract/);
    expect(err.details[1]).to.equal('steps.data_processing.clip_quantiles: lower 0.9 must be below upper 0.1');
  });

  it('accepts excluding a derived feature and a drift override on a categorical', () => {
    const raw = rawDefaultConfig();
    raw.steps.model_training.exclude_features = ['fossil_energy_mwh'];
    raw.steps.data_drift_detection.features = { region: { method: 'chi_square', threshold: 0.01 } };
    const cfg = parseConfig(raw, 'test.yaml');
    expect(cfg.steps.model_training.exclude_features).to.deep.equal(['fossil_energy_mwh']);
  });

  it('reports an empty document as missing required sections', () => {
    let caught: unknown;
    try {
      parseConfig({}, 'empty.yaml');
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ConfigError);
    expect((caught as ConfigError).details).to.have.members(['stages: Invalid input: expected object, received undefined', 'dataset: Invalid input: expected object, received undefined']);
  });

  it('prefixes logging problems with logging:', () => {
    let caught: unknown;
    try {
      parseConfig(rawDefaultConfig(), 'test.yaml', { level: 'loud' });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ConfigError);
    expect((caught as ConfigError).details).to.have.length(1);
    expect((caught as ConfigError).details[0]).to.match(/^logging: level: /);
  });
});

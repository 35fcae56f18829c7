/**
 * A contract that cannot work is refused before anything is touched, with every problem listed by its key path:
 * an unknown column in a derived expression, a duplicate column, a missing role.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../../src/config/load.ts';
import { ConfigError } from '../../../src/errors.ts';
import { expectExit, runCli, useTmpDir, writeYaml } from '../../support/helpers.ts';
import { EXAMPLE_CONFIG, HISTORY_CSV, rawExampleConfig } from './example.ts';

type Raw = Record<string, any>;

const UNKNOWN_IN_DERIVED = "dataset.derived.coal_generation_twh: unknown column 'oil_share'";
const DUPLICATE = "dataset.columns.10.name: duplicate column 'demand_twh' (also dataset.columns.6)";
const NO_TARGET = "dataset.columns: exactly one column must have role 'target' (found 0)";

const unknownInDerived = (raw: Raw) => (raw.dataset.derived.coal_generation_twh = 'demand_twh * oil_share');
const duplicate = (raw: Raw) => raw.dataset.columns.push({ name: 'demand_twh', role: 'numeric', min: 0 });
/** The target column becomes a plain numeric one: no column has the role 'target' (and no position shifts). */
const noTarget = (raw: Raw) => raw.dataset.columns.filter((c: Raw) => c.role === 'target').forEach((c: Raw) => (c.role = 'numeric'));

/** The ConfigError of the example config with `edits` applied (fails if the config is accepted). */
function refusal(...edits: ((raw: Raw) => unknown)[]): ConfigError {
  const raw = rawExampleConfig();
  for (const e of edits) e(raw);
  try {
    parseConfig(raw, EXAMPLE_CONFIG);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('the contract was accepted');
}

describe('byod: a broken contract is refused with every problem listed', () => {
  const tmp = useTmpDir('mlp-byod-refusal-');

  it('the example contract itself is accepted', () => {
    expect(() => parseConfig(rawExampleConfig(), EXAMPLE_CONFIG)).to.not.throw();
  });

  it('an unknown column in a derived expression: named, with the columns an expression may use', () => {
    const err = refusal(unknownInDerived);
    expect(err.details).to.have.length(1);
    expect(err.details[0]).to.contain(UNKNOWN_IN_DERIVED).and.contain('population_m, gdp_bn_usd, demand_twh, coal_share, renewables_share');
  });

  it('a derived expression may not read the target, a categorical or the time column', () => {
    const err = refusal((raw) => (raw.dataset.derived.leak = 'co2_mt / population_m + year + continent'));
    expect(err.details.join('\n')).to.contain("dataset.derived.leak: unknown column 'co2_mt'").and.contain("unknown column 'year'").and.contain("unknown column 'continent'");
  });

  it('a duplicate column: both positions named', () => {
    const err = refusal(duplicate);
    expect(err.details).to.deep.equal([DUPLICATE]);
  });

  for (const role of ['id', 'timestamp', 'target'] as const) {
    it(`a missing ${role} role`, () => {
      const err = refusal((raw) => (raw.dataset.columns = raw.dataset.columns.filter((c: Raw) => c.role !== role)));
      expect(err.details.join('\n')).to.match(new RegExp(`dataset\\.columns: (no column has role '${role}'|exactly one column must have role '${role}' \\(found 0\\))`));
    });
  }

  it('all three at once (in process): one error, three details', () => {
    const err = refusal(unknownInDerived, duplicate, noTarget);
    expect(err.message).to.match(/3 problems$/);
    expect(err.details).to.have.length(3);
    expect(err.details.find((d) => d.startsWith('dataset.derived.'))).to.contain(UNKNOWN_IN_DERIVED);
    expect(err.details).to.include.members([DUPLICATE, NO_TARGET]);
  });

  it('the CLI: exit 2, stderr lists each problem with its key path, and no database is created', () => {
    const raw = rawExampleConfig();
    unknownInDerived(raw);
    duplicate(raw);
    noTarget(raw);
    const file = writeYaml(path.join(tmp(), 'broken.yaml'), raw);
    const db = path.join(tmp(), 'broken.duckdb');
    const res = expectExit(runCli(['ingest', HISTORY_CSV, '--config', file, '--db', db]), 2, 'pipeline ingest with a broken contract');
    expect(res.stdout).to.equal('');
    const lines = res.stderr.split('\n');
    expect(lines[0]).to.equal(`error: invalid configuration in ${file}: 3 problems`);
    for (const p of [UNKNOWN_IN_DERIVED, DUPLICATE, NO_TARGET]) {
      expect(lines.some((l) => l.startsWith(`  - ${p}`)), `stderr lists "${p}":\n${res.stderr}`).to.equal(true);
    }
    expect(existsSync(db), 'nothing was opened').to.equal(false);
  });
});

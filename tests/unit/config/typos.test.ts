import { expect } from 'chai';
import { closest, editDistance } from '../../../src/config/did-you-mean.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { ConfigError } from '../../../src/errors.ts';
import { rawDefaultConfig } from '../../support/helpers.ts';

/** The problems parseConfig lists for the default config after `edit`. */
function problems(edit: (raw: Record<string, any>) => void): string[] {
  const raw = rawDefaultConfig();
  edit(raw);
  try {
    parseConfig(raw, 'typo.yaml');
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).details;
  }
  throw new Error('expected a ConfigError');
}

function column(raw: Record<string, any>, name: string): Record<string, any> {
  return (raw.dataset.columns as Record<string, any>[]).find((c) => c.name === name)!;
}

describe('config: typos get a suggestion', () => {
  it('edit distance counts a swap of two neighbours as one edit', () => {
    expect(editDistance('trian', 'train')).to.equal(1);
    expect(editDistance('numerc', 'numeric')).to.equal(1);
    expect(editDistance('kitten', 'sitting')).to.equal(3);
    expect(editDistance('', 'abc')).to.equal(3);
  });

  it('closest: near words and prefixes, nothing for far ones, case-insensitive', () => {
    expect(closest('test_fracton', ['method', 'test_fraction', 'seed'])).to.deep.equal(['test_fraction']);
    expect(closest('typ', ['type', 'input', 'output'])).to.deep.equal(['type']);
    expect(closest('dev', ['DEV', 'UAT', 'PROD'])).to.deep.equal(['DEV']);
    expect(closest('colour', ['database'])).to.deep.equal([]);
    expect(closest('x', ['y', 'z'])).to.deep.equal(['y']);
  });

  it("an unknown key names the closest allowed key ('test_fracton' → 'test_fraction')", () => {
    const p = problems((raw) => {
      raw.steps.train_test_split.test_fracton = 0.3;
    });
    expect(p).to.deep.equal(["steps.train_test_split: unknown key(s) 'test_fracton' (did you mean 'test_fraction'?)"]);
  });

  it('an unknown key inside a list item is matched against the item keys', () => {
    const p = problems((raw) => {
      column(raw, 'energy_mwh').nulable = true;
    });
    expect(p).to.have.length(1);
    expect(p[0]).to.match(/^dataset\.columns\.\d+: unknown key\(s\) 'nulable' \(did you mean 'nullable'\?\)$/);
  });

  it('an invalid choice echoes the value, the closest choice and all of them', () => {
    const p = problems((raw) => {
      column(raw, 'energy_mwh').role = 'numerc';
      raw.steps.train_test_split.method = 'randm';
    });
    expect(p).to.include.members([
      "steps.train_test_split.method: 'randm' is not one of random, time; did you mean 'random'?",
    ]);
    expect(p.find((x) => x.includes('numerc'))).to.match(/^dataset\.columns\.\d+\.role: 'numerc' is not one of id, timestamp, categorical, numeric, target; did you mean 'numeric'\?$/);
  });

  it('a typo in a derived expression is listed together with the schema problems, with a suggestion', () => {
    const p = problems((raw) => {
      raw.duckdb.threads = 'many'; // a schema problem: the contract is not built
      raw.dataset.derived.fossil_energy_mwh = 'energy_mwj * (1 - renewable_share)';
      raw.dataset.derived.heat = 'sqr(temperature_c)';
    });
    expect(p).to.include('duckdb.threads: Invalid input: expected number, received string');
    expect(p.some((x) => x.startsWith("dataset.derived.fossil_energy_mwh: unknown column 'energy_mwj'; did you mean 'energy_mwh'?"))).to.equal(true, p.join('\n'));
    expect(p.some((x) => x.startsWith("dataset.derived.heat: function 'sqr' is not allowed; did you mean 'sqrt'?"))).to.equal(true, p.join('\n'));
    expect(p).to.have.length(3);
  });

  it('a typo in a role does not also flag the expressions that use the column', () => {
    const p = problems((raw) => {
      column(raw, 'energy_mwh').role = 'numerc';
    });
    expect(p).to.have.length(1);
    expect(p[0]).to.include("'numerc'");
  });
});

import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { quoteLiteral } from '../../../src/db/sql-text.ts';
import { ConfigError } from '../../../src/errors.ts';
import { generate } from '../../../src/generate/generate.ts';
import { configWith, defaultConfig, defaultHeader, expectExit, generateFile, runCliAsync, sha256File, useTmpDir, withDb } from '../../support/helpers.ts';

const ROWS = 20000;
const SCENARIOS = ['baseline', 'covariate-shift', 'concept-shift', 'target-shift'] as const;

const csv = (file: string) => `read_csv(${quoteLiteral(file)})`;

describe('foundation: synthetic generator', () => {
  const tmp = useTmpDir();
  const files: Record<string, string> = {};

  before(async () => {
    for (const s of SCENARIOS) {
      files[s] = path.join(tmp(), `${s}.csv`);
      const res = await generateFile(files[s], { rows: ROWS, seed: 11, scenario: s });
      expect(res).to.include({ rows: ROWS, badRows: 0, format: 'csv', file: files[s] });
    }
  });

  it('writes every scenario with the contract header and the requested row count', async () => {
    await withDb(async (db) => {
      for (const s of SCENARIOS) {
        const header = readFileSync(files[s], 'utf8').split('\n', 1)[0];
        expect(header.split(','), s).to.deep.equal(defaultHeader());
        const [row] = await db.query<{ n: number; keys: number; nulls: number }>(
          `select count(*) as n, count(distinct (facility_id, date)) as keys,
                  count(*) filter (where temperature_c is null or co2_tonnes is null or region is null) as nulls
           from ${csv(files[s])}`,
        );
        expect(row, s).to.deep.equal({ n: ROWS, keys: ROWS, nulls: 0 });
      }
    });
  });

  it('stays inside the contract: levels and ranges of the default config', async () => {
    const c = defaultConfig().contract;
    await withDb(async (db) => {
      for (const s of SCENARIOS) {
        const [bad] = await db.query<{ n: number }>(
          `select count(*) as n from ${csv(files[s])}
           where not list_contains($1::varchar[], region) or not list_contains($2::varchar[], sector)
              or temperature_c not between -40 and 50 or energy_mwh not between 0 and 100000
              or renewable_share not between 0 and 1 or activity_index not between 0 and 1000
              or fuel_price_eur_mwh not between 0 and 2000 or co2_tonnes not between 0 and 1000000`,
          [c.categoricals[0].levels, c.categoricals[1].levels],
        );
        expect(bad.n, s).to.equal(0);
      }
    });
  });

  it('same seed → byte-identical file; another seed → a different file', async () => {
    const again = path.join(tmp(), 'baseline-again.csv');
    await generateFile(again, { rows: ROWS, seed: 11 });
    expect(sha256File(again)).to.equal(sha256File(files.baseline));
    const other = path.join(tmp(), 'baseline-seed12.csv');
    await generateFile(other, { rows: ROWS, seed: 12 });
    expect(sha256File(other)).to.not.equal(sha256File(files.baseline));
  });

  it('does not depend on the DuckDB thread count', async () => {
    const one = path.join(tmp(), 'threads1.csv');
    await generateFile(one, { rows: ROWS, seed: 11 }, configWith((raw) => (raw.duckdb.threads = 1)));
    expect(sha256File(one)).to.equal(sha256File(files.baseline));
  });

  it('covariate-shift moves the drivers by the configured shifts, row by row', async () => {
    await withDb(async (db) => {
      const [d] = await db.query<Record<string, number>>(
        `select
            count(*) filter (where b.facility_id <> c.facility_id or b.date <> c.date or b.region <> c.region or b.sector <> c.sector) as key_diff,
            max(abs(c.temperature_c - b.temperature_c - 5)) as temp_err,
            max(abs(c.activity_index - b.activity_index - 25)) as activity_err,
            max(abs(c.fuel_price_eur_mwh - b.fuel_price_eur_mwh - 40)) as price_err,
            avg(c.renewable_share - b.renewable_share) as renew_shift,
            avg(c.energy_mwh) / avg(b.energy_mwh) as energy_ratio
         from ${csv(files.baseline)} b positional join ${csv(files['covariate-shift'])} c`,
      );
      expect(d.key_diff).to.equal(0);
      expect(d.temp_err).to.be.below(1e-6);
      expect(d.activity_err).to.be.below(1e-6);
      expect(d.price_err).to.be.below(1e-6);
      // +0.15, a little less where the share is capped at 0.95
      expect(d.renew_shift).to.be.within(0.12, 0.15 + 1e-9);
      // ×1.5, less the effect of warmer days on energy use
      expect(d.energy_ratio).to.be.within(1.3, 1.5);
    });
  });

  it('concept-shift keeps every input identical to baseline and changes only co2_tonnes', async () => {
    await withDb(async (db) => {
      const [d] = await db.query<Record<string, number>>(
        `select
            count(*) filter (where b.facility_id <> c.facility_id or b.date <> c.date or b.region <> c.region or b.sector <> c.sector
                               or b.temperature_c <> c.temperature_c or b.energy_mwh <> c.energy_mwh or b.renewable_share <> c.renewable_share
                               or b.activity_index <> c.activity_index or b.fuel_price_eur_mwh <> c.fuel_price_eur_mwh) as input_diff,
            count(*) filter (where b.co2_tonnes = c.co2_tonnes) as same_target,
            avg(c.co2_tonnes - b.co2_tonnes) as target_shift,
            avg(c.co2_tonnes - b.co2_tonnes - (4 + 0.15 * b.energy_mwh * (1 - b.renewable_share))) as unexplained
         from ${csv(files.baseline)} b positional join ${csv(files['concept-shift'])} c`,
      );
      expect(d.input_diff).to.equal(0);
      expect(d.same_target).to.be.below(ROWS * 0.01);
      expect(d.target_shift).to.be.above(4);
      // the shift is the coefficient change (intercept +4, fossil energy +0.15 t/MWh), noise aside
      expect(Math.abs(d.unexplained)).to.be.below(0.01);
    });
  });

  it('target-shift moves the sector mix towards energy and industry', async () => {
    await withDb(async (db) => {
      const share = async (file: string) => {
        const [r] = await db.query<{ heavy: number }>(`select avg(case when sector in ('energy', 'industry') then 1 else 0 end) as heavy from ${csv(file)}`);
        return r.heavy;
      };
      const base = await share(files.baseline);
      const shifted = await share(files['target-shift']);
      expect(base).to.be.below(0.6);
      expect(shifted).to.be.above(0.7);
      expect(shifted - base).to.be.above(0.2);
    });
  });

  it('--no-target (withTarget: false) leaves out the target column and keeps the rest identical', async () => {
    const file = path.join(tmp(), 'unlabelled.csv');
    await generateFile(file, { rows: 1000, seed: 11, withTarget: false });
    const full = path.join(tmp(), 'labelled.csv');
    await generateFile(full, { rows: 1000, seed: 11 });
    const header = readFileSync(file, 'utf8').split('\n', 1)[0].split(',');
    expect(header).to.deep.equal(defaultHeader().filter((c) => c !== 'co2_tonnes'));
    await withDb(async (db) => {
      const [d] = await db.query<{ n: number }>(
        `select count(*) as n from (select * exclude (co2_tonnes) from ${csv(full)} except all select * from ${csv(file)})`,
      );
      expect(d.n).to.equal(0);
    });
  });

  it('writes Parquet with the same rows as the CSV of the same seed', async () => {
    const pq = path.join(tmp(), 'baseline.parquet');
    const res = await generateFile(pq, { rows: ROWS, seed: 11 });
    expect(res.format).to.equal('parquet');
    await withDb(async (db) => {
      const cols = await db.query<{ column_name: string; column_type: string }>(`describe select * from read_parquet(${quoteLiteral(pq)})`);
      expect(cols.map((c) => c.column_name)).to.deep.equal(defaultHeader());
      expect(cols.find((c) => c.column_name === 'date')?.column_type).to.equal('DATE');
      const [d] = await db.query<{ n: number; diff: number }>(
        `select (select count(*) from read_parquet(${quoteLiteral(pq)})) as n,
                (select count(*) from (select * from read_parquet(${quoteLiteral(pq)}) except all select * from ${csv(files.baseline)})) as diff`,
      );
      expect(d).to.deep.equal({ n: ROWS, diff: 0 });
    });
  });

  it('bad-rows mode corrupts about the requested fraction, deterministically', async () => {
    const a = path.join(tmp(), 'bad-a.csv');
    const b = path.join(tmp(), 'bad-b.csv');
    const ra = await generateFile(a, { rows: 10000, seed: 3, badRows: 0.05 });
    const rb = await generateFile(b, { rows: 10000, seed: 3, badRows: 0.05 });
    expect(ra.badRows).to.equal(rb.badRows);
    expect(ra.badRows).to.be.within(400, 600);
    expect(sha256File(a)).to.equal(sha256File(b));
  });

  it('refuses an unknown scenario, a bad-rows fraction outside [0, 1] and an unknown file type', async () => {
    const cases: [Partial<Parameters<typeof generate>[1]>, RegExp][] = [
      [{ scenario: 'meteor-strike' }, /unknown scenario 'meteor-strike'/],
      [{ badRows: 1.5 }, /--bad-rows must be a fraction/],
      [{ badRows: -0.1 }, /--bad-rows must be a fraction/],
      [{ out: path.join(tmp(), 'x.txt') }, /cannot tell the format/],
    ];
    for (const [opts, re] of cases) {
      let caught: unknown;
      try {
        await generate(defaultConfig(), { rows: 10, seed: 1, scenario: 'baseline', startDate: '2024-01-01', out: path.join(tmp(), 'refused.csv'), ...opts });
      } catch (err) {
        caught = err;
      }
      expect(caught, String(re)).to.be.instanceOf(ConfigError);
      expect((caught as Error).message).to.match(re);
    }
    expect(existsSync(path.join(tmp(), 'refused.csv'))).to.equal(false);
    expect(existsSync(path.join(tmp(), 'x.txt'))).to.equal(false);
  });

  it('CLI: generate passes rows, seed, --start-date and --no-target through, printing the file and counts', async () => {
    const cli = path.join(tmp(), 'cli.csv');
    const api = path.join(tmp(), 'api.csv');
    const cliNoTarget = path.join(tmp(), 'cli-nt.csv');
    const apiNoTarget = path.join(tmp(), 'api-nt.csv');
    const [res, resNt] = await Promise.all([
      runCliAsync(['generate', '--rows', '1500', '--seed', '5', '--start-date', '2023-06-01', '--out', cli]),
      runCliAsync(['generate', '--rows', '300', '--seed', '6', '--no-target', '--scenario', 'covariate-shift', '--out', cliNoTarget, '--quiet']),
    ]);
    expectExit(res, 0);
    expectExit(resNt, 0);
    expect(res.stdout.trim()).to.match(new RegExp(`^${cli.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 1500 rows \\(0 malformed\\), \\d+ bytes$`));
    expect(res.stderr).to.match(/generated 1500 rows \(baseline, seed 5\)/);
    expect(resNt.stderr).to.equal('');
    await generateFile(api, { rows: 1500, seed: 5, startDate: '2023-06-01' });
    await generateFile(apiNoTarget, { rows: 300, seed: 6, withTarget: false, scenario: 'covariate-shift' });
    expect(sha256File(cli)).to.equal(sha256File(api));
    expect(sha256File(cliNoTarget)).to.equal(sha256File(apiNoTarget));
    expect(readFileSync(cli, 'utf8').split('\n')[1].split(',')[1]).to.equal('2023-06-01');
    expect(readFileSync(cliNoTarget, 'utf8').split('\n', 1)[0]).to.not.include('co2_tonnes');
  });
});

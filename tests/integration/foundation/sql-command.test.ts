import { expect } from 'chai';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';
import { ConfigError, PipelineError } from '../../../src/errors.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runReadOnlyQuery } from '../../../src/inspect/read-only-query.ts';
import { defaultConfig, expectExit, generateFile, mapLimit, runCli, runCliAsync, sha256File, snapshotDb, useTmpDir, withDb, type CliResult, type DbSnapshot } from '../../support/helpers.ts';

const ROWS = 2000;

describe('foundation: pipeline sql', () => {
  const tmp = useTmpDir();
  let db: string;

  before(async () => {
    db = path.join(tmp(), 'sql.duckdb');
    const csv = path.join(tmp(), 'data.csv');
    await generateFile(csv, { rows: ROWS, seed: 3 });
    await withDb(async (d) => ingestFile(d, defaultConfig(), csv), { path: db });
  });

  /** Each CLI run of this file, by test name; they only read, so they run side by side in the `before` hook. */
  const runs: Record<string, { args: () => string[]; res?: CliResult }> = {
    json: { args: () => ['sql', 'select count(*) as n, min(date) as first_day, max(batch_id) as batch from raw_data', '--format', 'json'] },
    csv: { args: () => ['sql', "select sector, count(*) as n from raw_data where sector in ('energy', 'industry') group by sector order by sector", '--format', 'csv'] },
    table: { args: () => ['sql', "select 'a' as letter, 1 as n union all select 'bb', 22 order by n"] },
    file: { args: () => ['sql', '--file', path.join(tmp(), 'q.sql'), '--format', 'json'] },
    unknownTable: { args: () => ['sql', 'select * from no_such_table'] },
    noQuery: { args: () => ['sql'] },
  };
  const result = (name: string): CliResult => {
    const r = runs[name]?.res;
    if (!r) throw new Error(`no result for ${name}: the before hook failed`);
    return r;
  };

  before(async () => {
    writeFileSync(path.join(tmp(), 'q.sql'), '-- how many rows\nselect count(*) as n from raw_data\n');
    await mapLimit(Object.values(runs), 3, async (r) => {
      r.res = await runCliAsync([...r.args(), '--db', db], { cwd: tmp() });
    });
  });

  it('prints JSON: an array of row objects with numbers, not strings', () => {
    const res = expectExit(result('json'), 0);
    expect(JSON.parse(res.stdout)).to.deep.equal([{ n: ROWS, first_day: '2024-01-01', batch: 1 }]);
  });

  it('prints CSV with a header line', () => {
    const res = expectExit(result('csv'), 0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).to.equal('sector,n');
    expect(lines.slice(1).map((l) => l.split(',')[0])).to.deep.equal(['energy', 'industry']);
    for (const l of lines.slice(1)) expect(Number(l.split(',')[1])).to.be.greaterThan(0);
  });

  it('prints an aligned table by default, with the row count', () => {
    const res = expectExit(result('table'), 0);
    expect(res.stdout).to.equal('letter  n\n------  --\na       1\nbb      22\n(2 rows)\n');
  });

  it('reads the query from --file', () => {
    const res = expectExit(result('file'), 0);
    expect(JSON.parse(res.stdout)).to.deep.equal([{ n: ROWS }]);
  });

  it('an unknown table: exit 2, and the message lists the tables', () => {
    const res = expectExit(result('unknownTable'), 2);
    expect(res.stderr).to.match(/Table with name no_such_table does not exist/);
    const listed = /tables and views: (.*)/.exec(res.stderr)?.[1].split(', ') ?? [];
    expect(listed).to.include.members(['raw_data', 'quarantine', 'ingest_batches', 'schema_migrations']);
  });

  it('no query, or a missing database: usage (2) and bad input (3)', () => {
    expect(expectExit(result('noQuery'), 2).stderr).to.match(/give a query/);
    const missing = expectExit(runCli(['sql', 'select 1', '--db', path.join(tmp(), 'nope.duckdb')]), 3);
    expect(missing.stderr).to.match(/database file not found/);
    expect(existsSync(path.join(tmp(), 'nope.duckdb'))).to.equal(false);
  });

  describe('refuses anything but reading, leaving the database untouched', () => {
    let snapshot: DbSnapshot;
    const refused: [string, () => string, (() => void)?][] = [
      ['drop table raw_data', () => 'drop table raw_data'],
      ['delete from raw_data', () => 'delete from raw_data'],
      ['copy raw_data to a file', () => `copy raw_data to '${path.join(tmp(), 'x.csv')}'`, () => expect(existsSync(path.join(tmp(), 'x.csv'))).to.equal(false)],
      ["attach 'x.db'", () => "attach 'x.db'", () => expect(existsSync(path.join(tmp(), 'x.db'))).to.equal(false)],
      ['install httpfs', () => 'install httpfs'],
      ['create table t(a int)', () => 'create table t(a int)'],
      ['a second statement after a select', () => 'select 1; drop table raw_data'],
    ];
    const refusals = new Map<string, { res: CliResult; db: string; hash: string }>();

    before(async () => {
      snapshot = await snapshotDb(db);
      // one copy of the database per statement: each test checks its own file
      await mapLimit(refused, 3, async ([name, query], i) => {
        const copy = path.join(tmp(), `refusal-${i}.duckdb`);
        copyFileSync(db, copy);
        const hash = sha256File(copy);
        refusals.set(name, { res: await runCliAsync(['sql', query(), '--db', copy], { cwd: tmp() }), db: copy, hash });
      });
    });

    for (const [name, , check] of refused) {
      it(name, async () => {
        const got = refusals.get(name);
        if (!got) throw new Error('no result: the before hook failed');
        const { res } = got;
        expect(res.code, res.stderr).to.not.equal(0);
        expect(res.code, res.stderr).to.not.equal(null);
        expect(res.stderr).to.match(/^error: /);
        expect(res.stdout).to.equal('');
        check?.();
        expect(sha256File(got.db), 'database file bytes').to.equal(got.hash);
        expect(await snapshotDb(got.db)).to.deep.equal(snapshot);
      });
    }
  });

  describe('the read-only runner (in process)', () => {
    let ro: PipelineDb;

    before(async () => {
      ro = await openDatabase(db, { readOnly: true, sandboxed: true, migrate: false });
    });

    after(async () => {
      await ro?.close();
    });

    async function refusal(query: string): Promise<PipelineError> {
      try {
        await runReadOnlyQuery(ro, query);
      } catch (err) {
        expect(err, query).to.be.instanceOf(PipelineError);
        return err as PipelineError;
      }
      throw new Error(`expected '${query}' to be refused`);
    }

    it('refuses writes, settings, extensions, file access and multiple statements', async () => {
      const outside = path.join(tmp(), 'outside');
      for (const q of [
        'update raw_data set co2_tonnes = 0',
        'insert into ingest_batches select * from ingest_batches',
        'alter table raw_data add column x int',
        'create temp table t as select 1',
        'set threads = 1',
        'load httpfs',
        'checkpoint',
        'vacuum',
        "detach memory",
        `export database '${outside}'`,
        `select * from read_csv('${path.join(tmp(), 'data.csv')}')`,
        'explain analyze delete from raw_data',
        'call pragma_version()',
        'select 1; select 2',
      ]) {
        const err = await refusal(q);
        expect(err.exitCode, q).to.be.oneOf([2, 3]);
      }
      expect(existsSync(outside)).to.equal(false);
      expect((await runReadOnlyQuery(ro, 'select count(*) as n from raw_data')).rows).to.deep.equal([{ n: ROWS }]);
    });

    it('accepts SELECT forms: CTEs, FROM-first, VALUES, DESCRIBE, EXPLAIN', async () => {
      expect((await runReadOnlyQuery(ro, 'with a as (select 1 as x) select * from a')).rows).to.deep.equal([{ x: 1 }]);
      expect((await runReadOnlyQuery(ro, 'from ingest_batches select batch_id')).rows).to.deep.equal([{ batch_id: 1 }]);
      expect((await runReadOnlyQuery(ro, 'values (1, 2)')).rows).to.have.length(1);
      expect((await runReadOnlyQuery(ro, 'describe raw_data')).rows.map((r) => r.column_name)).to.include('co2_tonnes');
      expect((await runReadOnlyQuery(ro, 'explain select 1')).columns).to.deep.equal(['explain_key', 'explain_value']);
    });

    it('returns the column names of an empty result', async () => {
      const out = await runReadOnlyQuery(ro, 'select batch_id, source_row from raw_data where false');
      expect(out).to.deep.equal({ columns: ['batch_id', 'source_row'], rows: [] });
    });

    it('reports a parse error as a usage error', async () => {
      const err = await refusal('selec 1');
      expect(err).to.be.instanceOf(ConfigError);
      expect(err.message).to.match(/^cannot parse the query: /);
    });
  });
});

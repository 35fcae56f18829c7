import { expect } from 'chai';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../../src/errors.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { csvText, defaultConfig, defaultHeader, defaultRow, expectExit, mapLimit, runCli, runCliAsync, snapshotDb, useTmpDir, withDb, writeCsv, type CliResult, type DbSnapshot } from '../../support/helpers.ts';

describe('foundation: pipeline ingest (CLI)', () => {
  const tmp = useTmpDir();

  it('acceptance: generate 100k rows (seed 7), ingest them into DEV, and count them with pipeline sql', async () => {
    const csv = path.join(tmp(), 'X.csv');
    const db = path.join(tmp(), 'T.duckdb');
    expectExit(runCli(['generate', '--rows', '100000', '--seed', '7', '--out', csv]), 0, 'generate');
    const ingest = expectExit(runCli(['ingest', csv, '--stage', 'DEV', '--db', db]), 0, 'ingest');
    expect(ingest.stdout).to.equal('batch 1: 100000 rows read, 100000 accepted, 0 quarantined\n');
    const sql = expectExit(runCli(['sql', 'select count(*) as n from raw_data', '--db', db, '--format', 'json']), 0, 'sql');
    expect(JSON.parse(sql.stdout)).to.deep.equal([{ n: 100000 }]);
    await withDb(
      async (d) => {
        expect(await d.query('select rows_read, rows_accepted, rows_quarantined, has_target, rows_labelled from ingest_batches')).to.deep.equal([
          { rows_read: 100000, rows_accepted: 100000, rows_quarantined: 0, has_target: true, rows_labelled: 100000 },
        ]);
      },
      { path: db, readOnly: true, migrate: false },
    );
  });

  describe('file-level rejections: exit 3, database unchanged', () => {
    let db: string;
    let goodFile: string;
    let base: DbSnapshot;
    const results = new Map<string, { res: CliResult; db: string }>();

    const cases: { name: string; make: (dir: string) => string; message: RegExp }[] = [
      {
        name: 'a required column is missing',
        make: (dir) => writeCsv(path.join(dir, 'missing-col.csv'), defaultHeader().filter((c) => c !== 'sector'), [defaultRow().filter((_, i) => defaultHeader()[i] !== 'sector')]),
        message: /lacks required column sector/,
      },
      {
        name: 'the delimiter is wrong (one column found)',
        make: (dir) => {
          const f = path.join(dir, 'semicolons.csv');
          writeFileSync(f, csvText(defaultHeader(), [defaultRow()], ';'));
          return f;
        },
        message: /lacks required columns/,
      },
      { name: 'the file is empty', make: (dir) => (writeFileSync(path.join(dir, 'empty.csv'), ''), path.join(dir, 'empty.csv')), message: /is empty \(0 bytes\)/ },
      { name: 'the file has only a header', make: (dir) => writeCsv(path.join(dir, 'header.csv'), defaultHeader(), []), message: /has a header but no data rows/ },
      { name: 'the path does not exist', make: (dir) => path.join(dir, 'nope.csv'), message: /input file not found/ },
      {
        name: 'the path is a directory',
        make: (dir) => {
          const d = path.join(dir, 'folder.csv');
          mkdirSync(d, { recursive: true });
          return d;
        },
        message: /is a directory/,
      },
      {
        name: 'the file is binary garbage, not a CSV',
        make: (dir) => {
          const f = path.join(dir, 'garbage.csv');
          const bytes = Buffer.alloc(4096);
          for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) % 256;
          writeFileSync(f, bytes);
          return f;
        },
        message: /cannot read .* as CSV|lacks required column|not .*UTF-8|not a CSV|binary/i,
      },
      {
        name: 'a .parquet file is not Parquet',
        make: (dir) => {
          const f = path.join(dir, 'fake.parquet');
          writeFileSync(f, csvText(defaultHeader(), [defaultRow()]));
          return f;
        },
        message: /cannot read .* as PARQUET/,
      },
    ];

    before(async () => {
      db = path.join(tmp(), 'reject.duckdb');
      goodFile = writeCsv(path.join(tmp(), 'good.csv'), defaultHeader(), [defaultRow({ facility_id: 'G1' }), defaultRow({ facility_id: 'G2', region: 'Atlantis' })]);
      const res = expectExit(runCli(['ingest', goodFile, '--db', db]), 0);
      expect(res.stdout).to.equal('batch 1: 2 rows read, 1 accepted, 1 quarantined\n');
      base = await snapshotDb(db);
      // one copy of the database per case, so the refusals can run side by side
      await mapLimit(cases, 3, async (c, i) => {
        const copy = path.join(tmp(), `reject-${i}.duckdb`);
        copyFileSync(db, copy);
        const input = c.make(tmp());
        results.set(c.name, { res: await runCliAsync(['ingest', input, '--db', copy]), db: copy });
      });
    });

    for (const c of cases) {
      it(c.name, async () => {
        const got = results.get(c.name);
        if (!got) throw new Error('no result: the before hook failed');
        const res = expectExit(got.res, 3);
        expect(res.stderr).to.match(/^error: /m);
        expect(res.stderr).to.match(c.message);
        expect(res.stdout).to.equal('');
        expect(await snapshotDb(got.db)).to.deep.equal(base);
      });
    }

    it('the same file again is refused (exit 3) unless --force, which makes a new batch', async () => {
      const again = expectExit(runCli(['ingest', goodFile, '--db', db]), 3);
      expect(again.stderr).to.match(/was already ingested as batch 1 .*use --force/);
      expect(await snapshotDb(db)).to.deep.equal(base);

      // a copy under another name has the same checksum: also refused
      const copy = path.join(tmp(), 'good-copy.csv');
      copyFileSync(goodFile, copy);
      await withDb(
        async (d) => {
          let caught: unknown;
          try {
            await ingestFile(d, defaultConfig(), copy);
          } catch (err) {
            caught = err;
          }
          expect(caught).to.be.instanceOf(InputError);
          expect((caught as Error).message).to.match(/was already ingested as batch 1/);
        },
        { path: db },
      );
      expect(await snapshotDb(db)).to.deep.equal(base);

      const forced = expectExit(runCli(['ingest', goodFile, '--db', db, '--force']), 0);
      expect(forced.stdout).to.equal('batch 2: 2 rows read, 1 accepted, 1 quarantined\n');
      await withDb(
        async (d) => {
          expect(await d.query('select batch_id, forced from ingest_batches order by 1')).to.deep.equal([
            { batch_id: 1, forced: false },
            { batch_id: 2, forced: true },
          ]);
          expect(await d.query('select batch_id, count(*) as n from raw_data group by 1 order by 1')).to.deep.equal([
            { batch_id: 1, n: 1 },
            { batch_id: 2, n: 1 },
          ]);
        },
        { path: db, readOnly: true, migrate: false },
      );
    });
  });

  it('no file argument is a usage error (exit 2)', () => {
    const res = expectExit(runCli(['ingest', '--db', path.join(tmp(), 'usage.duckdb')]), 2);
    expect(res.stderr).to.match(/^error: /m);
  });
});

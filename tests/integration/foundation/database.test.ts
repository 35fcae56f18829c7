import { expect } from 'chai';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../../src/db/database.ts';
import { InputError } from '../../../src/errors.ts';
import { expectExit, runCliAsync, sha256File, useTmpDir, withDb } from '../../support/helpers.ts';

async function openError(p: string, opts = {}): Promise<unknown> {
  try {
    const db = await openDatabase(p, opts);
    await db.close();
  } catch (err) {
    return err;
  }
  throw new Error(`expected openDatabase(${p}) to fail`);
}

describe('foundation: database files', () => {
  const tmp = useTmpDir();

  it('refuses to open a missing file read-only, without creating it (exit 3)', async () => {
    const p = path.join(tmp(), 'missing.duckdb');
    const err = await openError(p, { readOnly: true });
    expect(err).to.be.instanceOf(InputError);
    expect((err as InputError).exitCode).to.equal(3);
    expect((err as Error).message).to.match(/database file not found/);
    expect(existsSync(p)).to.equal(false);
  });

  it('refuses a file that is not a DuckDB database (exit 3) and leaves it alone', async () => {
    const p = path.join(tmp(), 'text.duckdb');
    writeFileSync(p, 'this is not a database\n'.repeat(500));
    const before = sha256File(p);
    const err = await openError(p);
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.match(/not a valid DuckDB database/);
    expect(sha256File(p)).to.equal(before);
  });

  it('read-only opens refuse writes and do not change the file', async () => {
    const p = path.join(tmp(), 'ro.duckdb');
    await withDb(async (db) => db.exec('create table keep (a integer)'), { path: p });
    const before = sha256File(p);
    await withDb(
      async (db) => {
        let caught: unknown;
        try {
          await db.exec('insert into keep values (1)');
        } catch (err) {
          caught = err;
        }
        expect(String(caught)).to.match(/read-only/);
        expect(await db.query('select count(*) as n from keep')).to.deep.equal([{ n: 0 }]);
      },
      { path: p, readOnly: true, migrate: false },
    );
    expect(sha256File(p)).to.equal(before);
  });

  it('sandboxed opens refuse file access and configuration changes', async () => {
    const outside = path.join(tmp(), 'outside.csv');
    writeFileSync(outside, 'a\n1\n');
    await withDb(
      async (db) => {
        for (const q of [`select * from read_csv('${outside}')`, `copy (select 1) to '${path.join(tmp(), 'leak.csv')}'`, "set enable_external_access = true"]) {
          let caught: unknown;
          try {
            await db.query(q);
          } catch (err) {
            caught = err;
          }
          expect(caught, q).to.be.instanceOf(Error);
        }
        expect(existsSync(path.join(tmp(), 'leak.csv'))).to.equal(false);
      },
      { sandboxed: true, migrate: false },
    );
  });

  it('a database held by another process is reported as locked (exit 4)', async () => {
    const p = path.join(tmp(), 'locked.duckdb');
    const db = await openDatabase(p);
    try {
      const runs = await Promise.all([runCliAsync(['sql', 'select 1', '--db', p]), runCliAsync(['ingest', path.join(tmp(), 'whatever.csv'), '--db', p])]);
      for (const res of runs) {
        expectExit(res, 4);
        expect(res.stderr).to.include(`error: database ${p} is in use by another process (PID ${process.pid})`);
      }
    } finally {
      await db.close();
    }
  });
});

import { expect } from 'chai';
import { sql } from 'kysely';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';

/** A pipeline_runs row with only the required columns set. */
function run(runId: number, status = 'running') {
  return { run_id: runId, pipeline_type: 'TRAINING_PIPELINE', stage: 'DEV', status, started_at: new Date(Date.UTC(2024, 0, 1, 12)) };
}

describe('DuckDB dialect', () => {
  let db: PipelineDb;

  before(async () => {
    db = await openDatabase(':memory:');
  });

  after(async () => {
    await db?.close();
  });

  afterEach(async () => {
    await db.exec('delete from pipeline_runs');
  });

  describe('value conversion', () => {
    it('converts DATE and BIGINT inside lists and structs too, TIME to text, BLOB to bytes', async () => {
      const [row] = await db.query<Record<string, unknown>>(
        "select [date '2024-01-02'] as l, {'d': date '2024-01-03', 'n': 5::bigint} as s, time '12:34:56.5' as t, 'ab'::blob as b",
      );
      expect(row.l).to.deep.equal(['2024-01-02']);
      expect(row.s).to.deep.equal({ d: '2024-01-03', n: 5 });
      expect(row.t).to.equal('12:34:56.500000');
      expect(Array.from(row.b as Uint8Array)).to.deep.equal([97, 98]);
    });

    it('binds an integral number beyond 2^53 (a large statistic) as DOUBLE instead of failing as BIGINT', async () => {
      const [row] = await db.query<{ a: number; b: number }>('select $1 as a, $2 + 1 as b', [1e20, 4e19]);
      expect(row.a).to.equal(1e20);
      expect(row.b).to.equal(4e19 + 1);
    });

    it('returns BIGINT counts and HUGEINT sums that fit as numbers', async () => {
      const [row] = await db.query<{ n: unknown; s: unknown; big_ok: unknown }>(
        'select count(*) as n, sum(i::integer) as s, 9007199254740991::hugeint as big_ok from range(5) t(i)',
      );
      expect(row.n).to.equal(5);
      expect(row.s).to.equal(10);
      expect(row.big_ok).to.equal(Number.MAX_SAFE_INTEGER);
    });

    it('keeps integers beyond 2^53 exact as bigint (HUGEINT, BIGINT, UBIGINT)', async () => {
      const [row] = await db.query<Record<string, unknown>>(
        `select 170141183460469231731687303715884105727::hugeint as huge,
                9007199254740993::bigint as big,
                -9007199254740993::bigint as neg,
                18446744073709551615::ubigint as ubig`,
      );
      expect(row.huge).to.equal(170141183460469231731687303715884105727n);
      expect(row.big).to.equal(9007199254740993n);
      expect(row.neg).to.equal(-9007199254740993n);
      expect(row.ubig).to.equal(18446744073709551615n);
    });

    it('returns DECIMAL, FLOAT, DOUBLE and small integers as numbers', async () => {
      const [row] = await db.query<Record<string, unknown>>(
        'select 12.34::decimal(10,2) as d, 1234567.125::decimal(18,3) as d18, 3.5::float as f, 0.1::double as x, 7::tinyint as ti, 42::integer as i',
      );
      expect(row).to.deep.equal({ d: 12.34, d18: 1234567.125, f: 3.5, x: 0.1, ti: 7, i: 42 });
    });

    for (const tz of ['UTC', 'America/Los_Angeles', 'Pacific/Kiritimati']) {
      it(`returns DATE as a YYYY-MM-DD string and TIMESTAMP as a UTC Date (process TZ ${tz})`, async () => {
        const saved = process.env.TZ;
        process.env.TZ = tz;
        try {
          const [row] = await db.query<Record<string, unknown>>(
            `select date '2024-03-01' as d, date '1969-12-31' as before_epoch, date '2024-02-29' as leap,
                    timestamp '2024-03-01 23:30:00.250' as ts, timestamptz '2024-03-01 12:00:00+02' as tstz`,
          );
          expect(row.d).to.equal('2024-03-01');
          expect(row.before_epoch).to.equal('1969-12-31');
          expect(row.leap).to.equal('2024-02-29');
          expect(row.ts).to.be.instanceOf(Date);
          expect((row.ts as Date).toISOString()).to.equal('2024-03-01T23:30:00.250Z');
          expect((row.tstz as Date).toISOString()).to.equal('2024-03-01T10:00:00.000Z');
        } finally {
          if (saved === undefined) delete process.env.TZ;
          else process.env.TZ = saved;
        }
      });
    }

    it('binds Date and string parameters without a time-zone shift', async () => {
      const saved = process.env.TZ;
      process.env.TZ = 'America/New_York';
      try {
        const at = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
        const [row] = await db.query<{ d: unknown; t: unknown; same: unknown }>('select $1::date as d, $2::timestamp as t, $2::timestamp = timestamp \'2024-01-02 03:04:05.678\' as same', ['2024-01-02', at]);
        expect(row.d).to.equal('2024-01-02');
        expect((row.t as Date).toISOString()).to.equal(at.toISOString());
        expect(row.same).to.equal(true);
      } finally {
        if (saved === undefined) delete process.env.TZ;
        else process.env.TZ = saved;
      }
    });

    it('returns lists and structs as arrays and objects, converting nested integers', async () => {
      const [row] = await db.query<Record<string, unknown>>(
        `select [1, 2, 3] as ints, [1::bigint, 2::bigint] as bigs, ['a', null] as strs, {'a': 1::bigint, 'b': 'x', 'c': [1.5, 2.5]} as st,
                [{'k': 1}, {'k': 2}] as list_of_structs, []::integer[] as empty,
                {'big': 9007199254740993::bigint} as st_big`,
      );
      expect(row.ints).to.deep.equal([1, 2, 3]);
      expect(row.bigs).to.deep.equal([1, 2]);
      expect(row.strs).to.deep.equal(['a', null]);
      expect(row.st).to.deep.equal({ a: 1, b: 'x', c: [1.5, 2.5] });
      expect(row.list_of_structs).to.deep.equal([{ k: 1 }, { k: 2 }]);
      expect(row.empty).to.deep.equal([]);
      expect(row.st_big).to.deep.equal({ big: 9007199254740993n });
    });

    it('returns NULL as null, booleans as booleans, VARCHAR[] columns as string arrays', async () => {
      await db.exec(`create temp table conv_t (a varchar[], b boolean, c double)`);
      try {
        await db.query('insert into conv_t values ($1::varchar[], $2, $3), (null, null, null)', [['x', 'y'], true, 1.25]);
        const rows = await db.query<Record<string, unknown>>('select * from conv_t order by c nulls last');
        expect(rows).to.deep.equal([
          { a: ['x', 'y'], b: true, c: 1.25 },
          { a: null, b: null, c: null },
        ]);
      } finally {
        await db.exec('drop table conv_t');
      }
    });

    it('returns a column named count as a row, not as an affected-row count', async () => {
      const res = await sql<{ count: number }>`select count(*) as count from range(3)`.execute(db.kysely);
      expect(res.rows).to.deep.equal([{ count: 3 }]);
      expect(res.numAffectedRows).to.equal(undefined);
    });
  });

  describe('Kysely query builder', () => {
    it('inserts rows and reports how many', async () => {
      const res = await db.kysely.insertInto('pipeline_runs').values([run(1), run(2), run(3)]).executeTakeFirstOrThrow();
      expect(res.numInsertedOrUpdatedRows).to.equal(3n);
      const rows = await db.kysely.selectFrom('pipeline_runs').select(['run_id', 'status', 'started_at', 'ended_at']).orderBy('run_id').execute();
      expect(rows.map((r) => r.run_id)).to.deep.equal([1, 2, 3]);
      expect(rows[0].started_at).to.be.instanceOf(Date);
      expect(rows[0].started_at.toISOString()).to.equal('2024-01-01T12:00:00.000Z');
      expect(rows[0].ended_at).to.equal(null);
    });

    it('selects with where, order, count and parameters', async () => {
      await db.kysely.insertInto('pipeline_runs').values([run(1, 'done'), run(2, 'failed'), run(3, 'done')]).execute();
      const done = await db.kysely.selectFrom('pipeline_runs').select('run_id').where('status', '=', 'done').orderBy('run_id', 'desc').execute();
      expect(done).to.deep.equal([{ run_id: 3 }, { run_id: 1 }]);
      const counted = await db.kysely.selectFrom('pipeline_runs').select((eb) => eb.fn.countAll<number>().as('n')).where('run_id', 'in', [1, 2]).executeTakeFirstOrThrow();
      expect(counted.n).to.equal(2);
    });

    it('updates rows and reports how many', async () => {
      await db.kysely.insertInto('pipeline_runs').values([run(1), run(2), run(3)]).execute();
      const res = await db.kysely.updateTable('pipeline_runs').set({ status: 'done', ended_at: new Date(Date.UTC(2024, 0, 1, 13)) }).where('run_id', '<=', 2).executeTakeFirstOrThrow();
      expect(res.numUpdatedRows).to.equal(2n);
      const rows = await db.kysely.selectFrom('pipeline_runs').select(['run_id', 'status']).orderBy('run_id').execute();
      expect(rows).to.deep.equal([
        { run_id: 1, status: 'done' },
        { run_id: 2, status: 'done' },
        { run_id: 3, status: 'running' },
      ]);
    });

    it('deletes rows and reports how many, zero when nothing matched', async () => {
      await db.kysely.insertInto('pipeline_runs').values([run(1), run(2), run(3)]).execute();
      const res = await db.kysely.deleteFrom('pipeline_runs').where('run_id', '>', 1).executeTakeFirstOrThrow();
      expect(res.numDeletedRows).to.equal(2n);
      const none = await db.kysely.deleteFrom('pipeline_runs').where('run_id', '>', 100).executeTakeFirstOrThrow();
      expect(none.numDeletedRows).to.equal(0n);
      expect(await db.kysely.selectFrom('pipeline_runs').select('run_id').execute()).to.deep.equal([{ run_id: 1 }]);
    });

    it('supports RETURNING', async () => {
      const rows = await db.kysely.insertInto('pipeline_runs').values(run(7, 'queued')).returning(['run_id', 'status']).execute();
      expect(rows).to.deep.equal([{ run_id: 7, status: 'queued' }]);
    });

    it('runs raw sql templates with bound values', async () => {
      const res = await sql<{ v: string }>`select ${"it's"} || ${'!'} as v`.execute(db.kysely);
      expect(res.rows).to.deep.equal([{ v: "it's!" }]);
      const ins = await sql`insert into pipeline_runs (run_id, pipeline_type, stage, status, started_at) values (${9}, 'T', 'DEV', 'x', now())`.execute(db.kysely);
      expect(ins.numAffectedRows).to.equal(1n);
    });
  });

  describe('transactions', () => {
    it('kysely.transaction() refuses (one mechanism: db.transaction), runs nothing and leaves the connection usable', async () => {
      let caught: unknown;
      try {
        await db.kysely.transaction().execute(async (trx) => {
          await trx.insertInto('pipeline_runs').values(run(1)).execute();
        });
      } catch (err) {
        caught = err;
      }
      expect(String(caught)).to.match(/db\.transaction/);
      expect(await db.query('select * from pipeline_runs')).to.deep.equal([]);
      expect(await db.query('select 1 as ok')).to.deep.equal([{ ok: 1 }]);
    });

    it('db.transaction(): typed builder queries and SQL text commit together', async () => {
      await db.transaction(async () => {
        await db.kysely.insertInto('pipeline_runs').values(run(1)).execute();
        await db.query("update pipeline_runs set status = 'done' where run_id = $1", [1]);
        await db.kysely.insertInto('pipeline_runs').values(run(2)).execute();
      });
      expect(await db.query('select run_id, status from pipeline_runs order by 1')).to.deep.equal([{ run_id: 1, status: 'done' }, { run_id: 2, status: 'running' }]);
    });

    it('db.transaction(): a failing builder statement leaves nothing of the earlier ones', async () => {
      await db.kysely.insertInto('pipeline_runs').values(run(1)).execute();
      let caught: unknown;
      try {
        await db.transaction(async () => {
          await db.kysely.insertInto('pipeline_runs').values(run(10)).execute();
          await db.kysely.updateTable('pipeline_runs').set({ status: 'changed' }).where('run_id', '=', 1).execute();
          await db.kysely.insertInto('pipeline_runs').values(run(1)).execute(); // duplicate primary key
        });
      } catch (err) {
        caught = err;
      }
      expect(String(caught)).to.match(/Duplicate key|primary key/i);
      expect(await db.query('select run_id, status from pipeline_runs')).to.deep.equal([{ run_id: 1, status: 'running' }]);
      expect(await db.query('select 1 as ok')).to.deep.equal([{ ok: 1 }]);
    });

    it('db.transaction() commits and returns the callback value', async () => {
      const out = await db.transaction(async () => {
        await db.query('insert into pipeline_runs (run_id, pipeline_type, stage, status, started_at) values ($1, $2, $3, $4, $5)', [1, 'T', 'DEV', 'x', new Date()]);
        return 'done';
      });
      expect(out).to.equal('done');
      expect(await db.query('select run_id from pipeline_runs')).to.deep.equal([{ run_id: 1 }]);
    });

    it('db.transaction(): a failing statement rolls back DDL and DML alike', async () => {
      let caught: unknown;
      try {
        await db.transaction(async () => {
          await db.exec('create table tx_probe (a integer)');
          await db.query('insert into tx_probe values ($1)', [1]);
          await db.kysely.insertInto('pipeline_runs').values(run(5)).execute();
          await db.query('insert into pipeline_runs (run_id) values (6)'); // NOT NULL violation
        });
      } catch (err) {
        caught = err;
      }
      expect(String(caught)).to.match(/NOT NULL/i);
      expect(await db.query("select count(*) as n from information_schema.tables where table_name = 'tx_probe'")).to.deep.equal([{ n: 0 }]);
      expect(await db.query('select * from pipeline_runs')).to.deep.equal([]);
    });

    it('db.transaction() nested inside another joins it: an inner failure rolls back the outer work too', async () => {
      let caught: unknown;
      try {
        await db.transaction(async () => {
          await db.kysely.insertInto('pipeline_runs').values(run(1)).execute();
          await db.transaction(async () => {
            await db.kysely.insertInto('pipeline_runs').values(run(2)).execute();
            throw new Error('inner');
          });
        });
      } catch (err) {
        caught = err;
      }
      expect((caught as Error)?.message).to.equal('inner');
      expect(await db.query('select * from pipeline_runs')).to.deep.equal([]);
    });
  });

  describe('single connection', () => {
    it('keeps TEMP tables visible across queries', async () => {
      await db.exec('create temp table temp_probe as select 42 as v');
      try {
        expect(await db.kysely.selectFrom(sql<{ v: number }>`temp_probe`.as('t')).selectAll().execute()).to.deep.equal([{ v: 42 }]);
      } finally {
        await db.exec('drop table temp_probe');
      }
    });

    it('runs the session in UTC', async () => {
      expect(await db.query("select current_setting('TimeZone') as tz")).to.deep.equal([{ tz: 'UTC' }]);
    });

    it('serialises concurrent queries on the one connection', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => db.query<{ v: number }>('select $1::integer as v', [i])));
      expect(results.map((r) => r[0].v)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
    });
  });
});

import { expect } from 'chai';
import { sql } from 'kysely';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';
import { compileWithLiterals } from '../../../src/sql/inline.ts';
import { compileSql } from '../../../src/sql/render.ts';

describe('sql: compileWithLiterals writes bound values as literals of the same type and value', () => {
  let db: PipelineDb;
  before(async () => {
    db = await openDatabase(':memory:');
  });
  after(async () => {
    await db.close();
  });

  const values: unknown[] = [0.1, 1 / 3, -2.5e17, 1e-300, 5e-324, 1.7976931348623157e308, 14.154951927134206, -0.006419139259465096, 0, -7, 2 ** 40, 'Valle d\'Aosta', '["a","b\'c"]', null, true, false];

  it('gives the same values, bit for bit, as binding them', async () => {
    for (const v of values) {
      const q = sql`select ${v} as v, typeof(${v}) as t`;
      const bound = compileSql(q);
      const inlined = compileWithLiterals(q);
      expect(inlined.params).to.deep.equal([]);
      expect(inlined.sql).to.not.include('$');
      const [a] = await db.query<{ v: unknown; t: string }>(bound.sql, bound.params);
      const [b] = await db.query<{ v: unknown; t: string }>(inlined.sql);
      expect(b.v, `${String(v)} → ${inlined.sql}`).to.deep.equal(a.v);
      if (typeof v === 'number' && !Number.isInteger(v)) expect(b.t).to.equal('DOUBLE');
    }
  });

  it('a view made with literals computes what the bound statement computes', async () => {
    const mean = 14.154951927134206;
    const std = 8.08969590689933;
    const q = (from: ReturnType<typeof sql>) => sql`select (x - ${mean}) / ${std} as z from ${from}`;
    await db.exec('create or replace table xs as select (i * 0.37 - 11)::double as x from range(1000) t(i)');
    await db.exec(compileWithLiterals(sql`create or replace view zs as ${q(sql`xs`)}`).sql);
    const bound = compileSql(sql`select count(*) as n from (${q(sql`xs`)}) a positional join zs b where a.z is distinct from b.z`);
    const [{ n }] = await db.query<{ n: number }>(bound.sql, bound.params);
    expect(n).to.equal(0);
  });
});

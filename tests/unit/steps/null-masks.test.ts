import { expect } from 'chai';
import { sql } from 'kysely';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';
import { compileSql } from '../../../src/sql/render.ts';
import { missingSql, nullMasks } from '../../../src/steps/design-stats.ts';

/**
 * The one pass (fold_sums_cells.sql) groups its rows by which numeric features are missing (nullMasks): feature c is bit
 * c % 62 of `__null_mask_{c / 62}`, and missingSql(c) tests it. The bits are worked out only where a mask's features
 * sum to null; every other row's mask is 0. Both must name exactly the missing features, NaN and infinities not
 * missing, for more features than one mask holds.
 */
describe('steps: the one pass’s null masks (nullMasks, missingSql) name exactly the missing features', () => {
  let db: PipelineDb;
  // 70 features: two masks (62 + 8)
  const count = 70;
  const names = Array.from({ length: count }, (_, c) => `x${c}`);
  // each row: the features missing in it (the others hold a value; some NaN or infinite)
  const missing: number[][] = [[], [0], [61], [62], [69], [0, 1, 2], [5, 61, 62, 69], names.map((_, c) => c), [30, 31], []];
  before(async () => {
    db = await openDatabase(':memory:');
    const rows = missing.map((m, r) =>
      sql`select ${sql.lit(r)} as r, ${sql.join(names.map((n, c) => (m.includes(c) ? sql`null::double as ${sql.id(n)}` : sql`${sql.raw(c % 7 === 3 ? "'nan'" : c % 11 === 4 ? "'-inf'" : String(c + r / 10))}::double as ${sql.id(n)}`)))}`,
    );
    const q = compileSql(sql`create table feats as ${sql.join(rows, sql` union all `)}`);
    await db.exec(q.sql);
  });
  after(async () => {
    await db.close();
  });

  it('sets the bit of each missing feature and no other, in every mask', async () => {
    const masks = nullMasks(names.map((n) => sql.id(n)));
    expect(masks.names).to.deep.equal(['__null_mask_0', '__null_mask_1']);
    const tests = sql.join(names.map((_, c) => sql`${missingSql(c)} as ${sql.id(`missing_${c}`)}`));
    const q = compileSql(sql`select r, ${tests} from (select *, ${masks.select} from feats) order by r`);
    const rows = await db.query<Record<string, number | boolean>>(q.sql, q.params);
    expect(rows).to.have.length(missing.length);
    for (const row of rows) {
      const expected = missing[Number(row.r)];
      const found = names.map((_, c) => c).filter((c) => row[`missing_${c}`] === true);
      expect(found, `row ${row.r}`).to.deep.equal(expected);
    }
  });

  it('is 0 in a row where nothing is missing', async () => {
    const masks = nullMasks(names.map((n) => sql.id(n)));
    const q = compileSql(sql`select r, __null_mask_0 as m0, __null_mask_1 as m1 from (select *, ${masks.select} from feats) where r in (0, 9) order by r`);
    const rows = await db.query<{ r: number; m0: bigint | number; m1: bigint | number }>(q.sql, q.params);
    expect(rows.map((x) => [Number(x.m0), Number(x.m1)])).to.deep.equal([
      [0, 0],
      [0, 0],
    ]);
  });
});

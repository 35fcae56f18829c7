import { expect } from 'chai';
import { sql } from 'kysely';
import { loadConfig } from '../../../src/config/load.ts';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';
import { featureSet } from '../../../src/sql/features.ts';
import { compileSql } from '../../../src/sql/render.ts';
import { foldCalendarSql } from '../../../src/steps/design-stats.ts';

/**
 * The one pass (fold_sums_cells.sql) reads a calendar term from its list of values at the timestamp's part, and takes
 * its min and max from the parts a group holds: both must be the values the term's own expression (`raw`, what the
 * processed rows and a prediction compute) gives, bit for bit.
 */
describe('steps: the one pass’s calendar terms (foldCalendarSql) equal their expressions bit for bit', () => {
  let db: PipelineDb;
  const features = featureSet(loadConfig().contract);
  const calendar = features.numerics.filter((f) => f.calendar);
  before(async () => {
    db = await openDatabase(':memory:');
    // every day of four years (each month, each day of the week, a leap day), a few groups, and a missing date
    await db.exec(`create or replace table days as
      select (date '2023-01-01' + i::integer) as "date", i % 5 as grp from range(1461) t(i)
      union all select null::date, 0`);
  });
  after(async () => {
    await db.close();
  });

  it('has the default contract’s four calendar terms, each with its part, period and list of values', () => {
    expect(calendar.map((f) => [f.name, f.calendar?.part, f.calendar?.period])).to.deep.equal([
      ['cal_month_sin', 'month', 12],
      ['cal_month_cos', 'month', 12],
      ['cal_dow_sin', 'isodow', 7],
      ['cal_dow_cos', 'isodow', 7],
    ]);
  });

  it('reads every term for every date as its expression computes it (the same doubles, null for a missing date)', async () => {
    const fold = foldCalendarSql(calendar);
    const raw = sql.join(calendar.map((f) => sql`${f.raw} as ${sql.id(`raw_${f.name}`)}`));
    const q = compileSql(sql`select "date", ${raw}, ${fold.select} from (select *, ${fold.parts} from days) order by "date" nulls last`);
    const rows = await db.query<Record<string, number | null>>(q.sql, q.params);
    expect(rows).to.have.length(1462);
    let compared = 0;
    for (const r of rows) {
      for (const f of calendar) {
        // Object.is: the same double (and null for null)
        expect(Object.is(r[f.name], r[`raw_${f.name}`]), `${f.name} at ${String(r.date)}: ${r[f.name]} vs ${r[`raw_${f.name}`]}`).to.equal(true);
        compared++;
      }
    }
    expect(compared).to.equal(1462 * 4);
    expect(rows[rows.length - 1].cal_month_sin).to.equal(null);
  });

  it('gives each group the min and max of its terms from the parts it holds, as min() and max() over its rows do', async () => {
    const fold = foldCalendarSql(calendar);
    const direct = sql.join(calendar.flatMap((f) => [sql`min(${f.raw}) as ${sql.id(`lo_${f.name}`)}`, sql`max(${f.raw}) as ${sql.id(`hi_${f.name}`)}`]));
    // groups of a few days too: not every month or day of the week present
    const q = compileSql(sql`
      with rows as (select *, grp * 1000 + ("date" - date '2023-01-01') // 9 as g from days),
      folded as (
        select g, ${fold.bits} ${direct} from (select *, ${fold.parts} from rows) group by g
      )
      select * ${fold.bitNames} ${fold.bounds} from folded order by g`);
    const rows = await db.query<Record<string, number | null>>(q.sql, q.params);
    expect(rows.length).to.be.greaterThan(150);
    calendar.forEach((f, c) => {
      for (const r of rows) {
        expect(Object.is(r[`min_${c}`], r[`lo_${f.name}`]), `min of ${f.name} in group ${r.g}`).to.equal(true);
        expect(Object.is(r[`max_${c}`], r[`hi_${f.name}`]), `max of ${f.name} in group ${r.g}`).to.equal(true);
      }
    });
  });
});

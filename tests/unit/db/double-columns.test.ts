import { expect } from 'chai';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';

describe('database: queryDoubleColumns reads DOUBLE columns as Float64Arrays', () => {
  let db: PipelineDb;
  before(async () => {
    db = await openDatabase(':memory:');
  });
  after(async () => {
    await db.close();
  });

  it('returns every row of several chunks, in order, with NULL as NaN, and the same values queryColumns gives', async () => {
    const q = 'select (i * 0.1)::double as x, case when i % 7 = 0 then null else -i::double / 3 end as y from range(5000) t(i) order by i';
    const cols = await db.queryDoubleColumns(q);
    const js = await db.queryColumns(q);
    expect(cols.x).to.be.instanceOf(Float64Array);
    expect(cols.x.length).to.equal(5000);
    expect(Array.from(cols.x)).to.deep.equal(js.x);
    expect(Array.from(cols.y, (v) => (Number.isNaN(v) ? null : v))).to.deep.equal(js.y);
    expect(cols.y.filter(Number.isNaN).length).to.equal(715);
  });

  it('gives empty arrays for an empty result and binds parameters', async () => {
    const cols = await db.queryDoubleColumns('select i::double as x from range(10) t(i) where i > $1', [100]);
    expect(cols.x.length).to.equal(0);
  });

  it('refuses a column that is not DOUBLE', async () => {
    let err: unknown;
    try {
      await db.queryDoubleColumns("select 1::integer as n, 'a' as s");
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/column n is INTEGER, not DOUBLE/);
  });
});

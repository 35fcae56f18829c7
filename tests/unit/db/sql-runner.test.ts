import { expect } from 'chai';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';
import { runSqlFile } from '../../../src/db/sql-runner.ts';
import { compileSql, renderSqlText, type SqlInputs } from '../../../src/sql/render.ts';

/** A .sql text rendered and compiled as the runner does. */
const renderSql = (text: string, inputs: SqlInputs, label: string) => compileSql(renderSqlText(text, inputs, label));
import { SqlError } from '../../../src/errors.ts';

function renderError(fn: () => unknown): SqlError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(SqlError);
    return err as SqlError;
  }
  throw new Error('expected renderSql to throw');
}

describe('sql-runner: rendering a .sql text (renderSqlText + compileSql)', () => {
  it('turns $name parameters into positional ones, one per use, in order', () => {
    const out = renderSql('select $b as b, $a as a, $b + 1 as c', { params: { a: 1, b: 2 } }, 'q.sql');
    expect(out.sql).to.equal('select $1 as b, $2 as a, $3 + 1 as c');
    expect(out.params).to.deep.equal([2, 1, 2]);
  });

  it('binds only the parameters the text uses', () => {
    const out = renderSql('select $used as u', { params: { used: 'x', unused: 'y' } }, 'q.sql');
    expect(out.params).to.deep.equal(['x']);
  });

  it('passes values through untouched (no string interpolation)', () => {
    const evil = "'; drop table raw_data; --";
    const out = renderSql('select $v as v', { params: { v: evil } }, 'q.sql');
    expect(out.sql).to.equal('select $1 as v');
    expect(out.params).to.deep.equal([evil]);
  });

  it('fills {{fragments}}, with or without inner spaces', () => {
    const out = renderSql('select {{cols}} from {{ table }} where x = $x', { fragments: { cols: '"a", "b"', table: 'raw_data' }, params: { x: 3 } }, 'q.sql');
    expect(out.sql).to.equal('select "a", "b" from raw_data where x = $1');
    expect(out.params).to.deep.equal([3]);
  });

  it('binds $name parameters that a fragment brings in', () => {
    const out = renderSql('select * from t where {{cond}}', { fragments: { cond: 'v > $min_0' }, params: { min_0: 5 } }, 'q.sql');
    expect(out.sql).to.equal('select * from t where v > $1');
    expect(out.params).to.deep.equal([5]);
  });

  it('reports an unknown parameter with the file label', () => {
    const err = renderError(() => renderSql('select $missing', { params: { other: 1 } }, 'sql/x/y.sql'));
    expect(err.message).to.equal('sql/x/y.sql: parameter $missing was not given');
    expect(err.file).to.equal('sql/x/y.sql');
    expect(err.exitCode).to.equal(1);
  });

  it('reports an unknown fragment instead of leaving a blank', () => {
    const err = renderError(() => renderSql('select {{cols}} from t', {}, 'sql/x/y.sql'));
    expect(err.message).to.equal("sql/x/y.sql: no fragment 'cols' was given");
  });

  it("leaves a '$' inside quoted strings and quoted identifiers alone", () => {
    const text = `select '$notaparam' as a, 'it''s $x' as b, "col$name" as c, $x as d, '' as e`;
    const out = renderSql(text, { params: { x: 1 } }, 'q.sql');
    expect(out.sql).to.equal(`select '$notaparam' as a, 'it''s $x' as b, "col$name" as c, $1 as d, '' as e`);
    expect(out.params).to.deep.equal([1]);
  });

  it("leaves '-- comments' alone, even with a $name or an apostrophe in them", () => {
    const text = "-- Parameters: $rows, $seed (it's documented here)\nselect $seed as s, '--not a comment $seed' as t";
    const out = renderSql(text, { params: { seed: 7 } }, 'q.sql');
    expect(out.sql).to.equal("-- Parameters: $rows, $seed (it's documented here)\nselect $1 as s, '--not a comment $seed' as t");
    expect(out.params).to.deep.equal([7]);
  });

  it('does not require parameters that only appear inside quotes', () => {
    const out = renderSql("select '$price' as label", {}, 'q.sql');
    expect(out).to.deep.equal({ sql: "select '$price' as label", params: [] });
  });

  it('keeps casts (::) after a parameter and leaves text without parameters as it is', () => {
    const out = renderSql('select 1::integer as a, $v::varchar as b', { params: { v: 'x' } }, 'q.sql');
    expect(out.sql).to.equal('select 1::integer as a, $1::varchar as b');
    expect(renderSql('select 1', {}, 'q.sql')).to.deep.equal({ sql: 'select 1', params: [] });
  });
});

describe('sql-runner: runSqlFile', () => {
  let db: PipelineDb;
  let bare: PipelineDb;

  before(async () => {
    db = await openDatabase(':memory:');
    bare = await openDatabase(':memory:', { migrate: false });
  });

  after(async () => {
    await db?.close();
    await bare?.close();
  });

  it('runs a step file with named parameters and returns its rows', async () => {
    await db.query(
      `insert into ingest_batches (batch_id, source_file, file_format, checksum_sha256, file_bytes, rows_read, rows_accepted, rows_quarantined, has_target, rows_labelled, ingested_at)
       values (4, 'a.csv', 'csv', 'abc', 10, 1, 1, 0, true, 1, timestamp '2024-01-01 10:00:00')`,
    );
    const found = await runSqlFile<{ batch_id: number; source_file: string }>(db, 'ingest', 'find_checksum', { params: { checksum: 'abc' } });
    expect(found).to.have.length(1);
    expect(found[0]).to.include({ batch_id: 4, source_file: 'a.csv' });
    expect(await runSqlFile(db, 'ingest', 'find_checksum', { params: { checksum: 'other' } })).to.deep.equal([]);
  });

  it('names the file when a parameter is missing', async () => {
    let caught: unknown;
    try {
      await runSqlFile(db, 'ingest', 'find_checksum');
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(SqlError);
    expect((caught as SqlError).message).to.equal('sql/ingest/find_checksum.sql: parameter $checksum was not given');
  });

  it('names the file when DuckDB rejects the statement, keeping the cause', async () => {
    let caught: unknown;
    try {
      await runSqlFile(bare, 'ingest', 'find_checksum', { params: { checksum: 'x' } });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(SqlError);
    const e = caught as SqlError;
    expect(e.file).to.equal('sql/ingest/find_checksum.sql');
    expect(e.message).to.match(/^sql\/ingest\/find_checksum\.sql: .*ingest_batches/);
    expect(e.message).to.not.include('\n');
    expect(e.cause).to.be.instanceOf(Error);
  });
});

/**
 * Compares what two databases hold after ingesting the same files: raw_data (every column, and the order of rows
 * within each batch), quarantine (all but quarantined_at) and ingest_batches (all but ingested_at). Used to check
 * that the typed ingest path gives exactly the text path's (or main's) results. Prints one JSON object; exit 1 when
 * they differ.
 *
 *   node --import tsx bench/compare-ingest.ts A.duckdb B.duckdb
 */
import { DuckDBInstance } from '@duckdb/node-api';

const [a, b] = process.argv.slice(2);
if (!a || !b) throw new Error('usage: compare-ingest.ts A.duckdb B.duckdb');
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
await conn.run(`attach ${lit(a)} as a (read_only)`);
await conn.run(`attach ${lit(b)} as b (read_only)`);
const tables: Record<string, string> = {
  // rowid order within a batch: file order as inserted
  raw_data: 'select *, row_number() over (partition by batch_id order by rowid) as position from {t}.raw_data',
  quarantine: 'select * exclude (quarantined_at) from {t}.quarantine',
  ingest_batches: 'select * exclude (ingested_at) from {t}.ingest_batches',
};
const result: Record<string, unknown> = {};
let same = true;
for (const [name, q] of Object.entries(tables)) {
  const qa = q.replace('{t}', 'a');
  const qb = q.replace('{t}', 'b');
  const r = (await conn.runAndReadAll(`select
      (select count(*) from (${qa})) as rows_a,
      (select count(*) from (${qb})) as rows_b,
      (select count(*) from (${qa} except all ${qb})) as only_a,
      (select count(*) from (${qb} except all ${qa})) as only_b`)).getRowObjects()[0];
  const row = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]));
  result[name] = row;
  if (row.only_a !== 0 || row.only_b !== 0 || row.rows_a !== row.rows_b) same = false;
}
result.same = same;
process.stdout.write(`${JSON.stringify(result)}\n`);
conn.closeSync();
instance.closeSync();
process.exitCode = same ? 0 : 1;

import { DuckDBInstance } from '@duckdb/node-api';
const [db, ...qs] = process.argv.slice(2);
const inst = await DuckDBInstance.create(db);
const con = await inst.connect();
for (const q of qs) {
  const t = performance.now();
  const r = await con.runAndReadAll(q);
  const ms = performance.now() - t;
  const rows = r.getRowObjectsJson();
  for (const row of rows) console.log(Object.values(row).join(' | '));
  console.error(`-- ${ms.toFixed(0)} ms`);
}

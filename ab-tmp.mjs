// usage: node ab.mjs DB ROUNDS file1.sql file2.sql ... ; prints min/median per file
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
const [db, rounds, ...files] = process.argv.slice(2);
const inst = await DuckDBInstance.create(db);
const con = await inst.connect();
const t = Object.fromEntries(files.map((f) => [f, []]));
for (let r = 0; r < Number(rounds); r++) for (const f of files) {
  const q = readFileSync(f, 'utf8');
  const t0 = performance.now();
  await con.runAndReadAll(q);
  t[f].push(performance.now() - t0);
}
for (const f of files) { const a = t[f].sort((x, y) => x - y); console.log(f.split('/').pop().padEnd(28), 'min', a[0].toFixed(0), 'med', a[a.length >> 1].toFixed(0), a.map((x) => x.toFixed(0)).join(' ')); }

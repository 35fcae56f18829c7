import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
const [path, ...items] = process.argv.slice(2);
const inst = await DuckDBInstance.create(path, { threads: '2', memory_limit: '1GB' });
const c = await inst.connect();
for (const item of items) {
  let text: string; let params: unknown[] = [];
  if (item.endsWith('.sql')) {
    const raw = readFileSync(item, 'utf8');
    for (const m of raw.matchAll(/^-- \$(\d+) = (.*)$/gm)) params[Number(m[1]) - 1] = JSON.parse(m[2]);
    text = raw.split('\n').filter((l) => !l.startsWith('--')).join('\n');
  } else text = item;
  text = text.replaceAll('create table "eval_intervals_r1"', 'create or replace table scratch_intervals').replaceAll('create table "eval_predictions_r1"', 'create or replace table scratch_predictions');
  if (process.env.EXPLAIN) text = `explain analyze ${text}`;
  const t0 = performance.now();
  const r = await c.runAndReadAll(text, params as never);
  const rows = r.getRowObjects();
  console.log(`${(performance.now() - t0).toFixed(0)} ms  ${item.slice(-60)}`);
  if (process.env.EXPLAIN) console.log(String(rows[0]?.explain_value ?? '').slice(0, 6000));
  else console.log(JSON.stringify(rows.slice(0, 5), (_, v) => (typeof v === 'bigint' ? Number(v) : v)).slice(0, 600));
}
c.closeSync();

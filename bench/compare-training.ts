/**
 * Compares the statistics two databases stored for the same training run (after the same ingest, trained by two
 * checkouts or twice by one): the model (intercept, coefficients, raw-unit coefficients, (XᵀX)⁻¹, feature means,
 * residual variance, training metrics), the processing's fitted parameters (scaling, clipping bounds, per-feature
 * statistics), the split's counts, the design sums and the evaluation metrics. Every number is compared bit for bit
 * and by relative difference. Prints one JSON object: how many numbers, how many differ in any bit, the largest
 * relative difference overall and per table, and the first few differing values; exit 1 when one differs by more
 * than --tolerance (default 0: bit-identical).
 *
 * A value that is zero but for rounding (the mean of a centred feature, a sum that cancels) differs relatively by ~1
 * between any two summation orders. So each table also reports the largest scaled difference: |a − b| divided by the
 * largest magnitude among the numbers of the same series (the same path with every index as [*]: one coefficient
 * among the coefficients, a group's Σx among every group's). `--measure scaled` applies the tolerance to it.
 *
 *   node --import tsx bench/compare-training.ts A.duckdb B.duckdb [--run 1] [--tolerance 1e-9] [--measure relative|scaled]
 */
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';

const { values: opts, positionals } = parseArgs({ allowPositionals: true, options: { run: { type: 'string', default: '1' }, tolerance: { type: 'string', default: '0' }, measure: { type: 'string', default: 'relative' } } });
if (opts.measure !== 'relative' && opts.measure !== 'scaled') throw new Error('--measure is relative or scaled');
const [a, b] = positionals;
if (!a || !b) throw new Error('usage: compare-training.ts A.duckdb B.duckdb [--run N] [--tolerance X]');
const run = Math.trunc(Number(opts.run));
const tolerance = Number(opts.tolerance);
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
await conn.run(`attach ${lit(a)} as a (read_only)`);
await conn.run(`attach ${lit(b)} as b (read_only)`);

// One row (or a few, in a stable order) per table: the columns that hold statistics, JSON documents parsed.
const queries: Record<string, string> = {
  models: `select intercept, coefficients, coefficients_original, cov_unscaled, feature_means, residual_variance, r2_train, rmse_train, n_train, dof_residual, data_fingerprint from {db}.models where run_id = ${run}`,
  data_processing_metadata: `select scaling, clip_bounds, feature_stats, levels, replay_counts, row_count from {db}.data_processing_metadata where run_id = ${run}`,
  train_test_split_metadata: `select * exclude (run_id, created_at) from {db}.train_test_split_metadata where run_id = ${run}`,
  design_sums: `select * from {db}.design_sums_r${run} order by all`,
  model_evaluation_metadata: `select * exclude (run_id, created_at) from {db}.model_evaluation_metadata where run_id = ${run}`,
};

/** Every number in a value (JSON text parsed), with its path. */
function numbers(v: unknown, at: string, out: Map<string, number>): void {
  if (typeof v === 'string' && /^[[{]/.test(v.trim())) {
    try {
      return numbers(JSON.parse(v), at, out);
    } catch {
      return;
    }
  }
  if (typeof v === 'number') out.set(at, v);
  else if (typeof v === 'bigint') out.set(at, Number(v));
  else if (Array.isArray(v)) v.forEach((x, i) => numbers(x, `${at}[${i}]`, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) numbers(x, `${at}.${k}`, out);
}

async function read(db: string, q: string): Promise<Map<string, number> | string> {
  try {
    const rows = (await conn.runAndReadAll(q.replaceAll('{db}', db))).getRowObjectsJS();
    const out = new Map<string, number>();
    rows.forEach((r, i) => numbers(r, `[${i}]`, out));
    return out;
  } catch (err) {
    return String(err).split('\n')[0];
  }
}

const result: Record<string, unknown> = {};
let worst = 0;
let compared = 0;
let differing = 0;
for (const [table, q] of Object.entries(queries)) {
  const [na, nb] = [await read('a', q), await read('b', q)];
  if (typeof na === 'string' || typeof nb === 'string') {
    result[table] = { skipped: typeof na === 'string' ? na : nb };
    continue;
  }
  let tableWorst = 0;
  let tableScaled = 0;
  let scaledAt = '';
  let tableDiffering = 0;
  const examples: string[] = [];
  // each series' largest magnitude, in either database
  const series = (at: string) => at.replace(/\[\d+\]/g, '[*]');
  const scale = new Map<string, number>();
  for (const m of [na, nb]) for (const [at, x] of m) scale.set(series(at), Math.max(scale.get(series(at)) ?? 0, Math.abs(x)));
  for (const [at, x] of na) {
    const y = nb.get(at);
    compared++;
    if (y === undefined) {
      examples.push(`${at}: only in A`);
      tableWorst = tableScaled = Infinity;
      continue;
    }
    if (Object.is(x, y)) continue;
    tableDiffering++;
    const rel = Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y));
    tableWorst = Math.max(tableWorst, rel);
    const scaled = Math.abs(x - y) / (scale.get(series(at)) as number);
    if (scaled > tableScaled) [tableScaled, scaledAt] = [scaled, `${at}: ${x} vs ${y}`];
    if (examples.length < 5) examples.push(`${at}: ${x} vs ${y}`);
  }
  for (const at of nb.keys()) if (!na.has(at)) (examples.push(`${at}: only in B`), (tableWorst = tableScaled = Infinity));
  worst = Math.max(worst, opts.measure === 'scaled' ? tableScaled : tableWorst);
  differing += tableDiffering;
  result[table] = { numbers: na.size, differing: tableDiffering, max_relative_difference: tableWorst, max_scaled_difference: tableScaled, worst_scaled: scaledAt, examples };
}
console.log(JSON.stringify({ a, b, run, measure: opts.measure, numbers: compared, differing, [`max_${opts.measure}_difference`]: worst, tables: result }, null, 2));
process.exitCode = worst > tolerance ? 1 : 0;

/**
 * The floor for training on data already ingested: what DuckDB itself needs for the irreducible work of
 * the training pipeline, on a copy of an ingested database, with the pipeline's DuckDB settings
 * (`duckdb.threads`, `duckdb.memory_limit` from config/config.yaml):
 *
 *   1. one pass that materialises the processed table: scaled numeric features (the 5 contract numerics,
 *      the derived fossil_energy_mwh, month and day-of-week sin/cos), the categoricals and the target;
 *   2. one XᵀX aggregate: n, Σx, Σxx', Σxy, Σy, Σy² over the numerics, grouped by the categoricals
 *      (the dummy columns are constant within a group, so the full XᵀX follows from these rows).
 *
 * The columns are those of the default synthetic dataset (the one the benchmark generates).
 * Not in the floor: clipping, quantiles, the drift reference sample, the split, evaluation, bookkeeping.
 *
 * Beside it, in the same invocation, the one-pass aggregate floor (issue #16): a single aggregate over the ingested
 * rows computing n, Σy, Σy², Σx, Σxy, Σxx' for the same 10 features (raw, unscaled: scaling and centring are affine
 * maps of these sums), grouped by region × sector × the seeded-hash train/test flag of the default split. No table
 * is written: everything the fit, the split and the test SSE need, in one scan.
 *
 * With --probes it also times (--repeat times each) a few what-if variants of the pipeline's slowest queries (see
 * BENCHMARKS.md), and with --csv FILE a typed `read_csv` of the file: the floor of ingestion.
 *
 * Prints one JSON object on stdout.
 *
 *   node --import tsx bench/floor.ts --db COPY.duckdb [--config FILE] [--probes [--repeat N] [--csv FILE]]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parse as parseYaml } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const NUMERICS: ReadonlyArray<readonly [name: string, sql: string]> = [
  ['temperature_c', 'temperature_c::double'],
  ['energy_mwh', 'energy_mwh::double'],
  ['renewable_share', 'renewable_share::double'],
  ['activity_index', 'activity_index::double'],
  ['fuel_price_eur_mwh', 'fuel_price_eur_mwh::double'],
  ['fossil_energy_mwh', '(energy_mwh * (1 - renewable_share))::double'],
  ['cal_month_sin', 'sin(2 * pi() * (month("date") - 1) / 12)'],
  ['cal_month_cos', 'cos(2 * pi() * (month("date") - 1) / 12)'],
  ['cal_dow_sin', 'sin(2 * pi() * (isodow("date") - 1) / 7)'],
  ['cal_dow_cos', 'cos(2 * pi() * (isodow("date") - 1) / 7)'],
];
const CATEGORICALS = ['region', 'sector'];
const TARGET = 'co2_tonnes';
const LABELLED = `${TARGET} is not null and superseded_by is null`;

function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Step 1: the processed table, scaled with statistics computed in the same statement. */
function materialiseSql(): string {
  const raw = NUMERICS.map(([n, e]) => `${e} as ${q(n)}`).join(', ');
  const moments = NUMERICS.map(([n]) => `avg(${q(n)}) as ${q(`m_${n}`)}, stddev_samp(${q(n)}) as ${q(`s_${n}`)}`).join(', ');
  const scaled = NUMERICS.map(([n]) => `(${q(n)} - ${q(`m_${n}`)}) / ${q(`s_${n}`)} as ${q(n)}`).join(', ');
  return `create table p as
with src as (select ${CATEGORICALS.map(q).join(', ')}, ${q(TARGET)} as y, ${raw} from raw_data where ${LABELLED}),
stats as (select ${moments} from src)
select ${CATEGORICALS.map(q).join(', ')}, y, ${scaled} from src, stats`;
}

/** Step 2: the grouped sufficient statistics. */
function xtxSql(table = 'p'): string {
  const names = NUMERICS.map(([n]) => q(n));
  const sums: string[] = ['count(*) as n', 'sum(y) as sy', 'sum(y * y) as syy'];
  names.forEach((a, i) => {
    sums.push(`sum(${a}) as "s${i}"`, `sum(${a} * y) as "sy${i}"`);
    for (let j = i; j < names.length; j++) sums.push(`sum(${a} * ${names[j]}) as "s${i}_${j}"`);
  });
  return `select ${CATEGORICALS.map(q).join(', ')}, ${sums.join(', ')} from ${table} group by all`;
}

/** The one-pass aggregate floor: the sums grouped by the categoricals and the default split's hashed test flag. */
function groupedPassSql(): string {
  const raw = NUMERICS.map(([n, e]) => `${e} as ${q(n)}`).join(', ');
  const names = NUMERICS.map(([n]) => q(n));
  const sums: string[] = ['count(*) as n', 'sum(y) as sy', 'sum(y * y) as syy'];
  names.forEach((a, i) => {
    sums.push(`sum(${a}) as "s${i}"`, `sum(${a} * y) as "sy${i}"`);
    for (let j = i; j < names.length; j++) sums.push(`sum(${a} * ${names[j]}) as "s${i}_${j}"`);
  });
  // the default split: seed 42, test_fraction 0.2 of 1,000,000 hash buckets over the row key
  const isTest = '(hash(42::bigint, "facility_id", "date") % 1000000) < 200000';
  return `with src as (select ${CATEGORICALS.map(q).join(', ')}, ${isTest} as is_test, ${q(TARGET)} as y, ${raw} from raw_data where ${LABELLED})
select ${CATEGORICALS.map(q).join(', ')}, is_test, ${sums.join(', ')} from src group by all`;
}

const QUANTILES = '[0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]';
const INPUT_ROWS = `select * from raw_data where ${LABELLED}`;

/** sql/data_processing/feature_stats.sql as the pipeline renders it for the default dataset (long form, via unpivot). */
function featureStatsLongSql(): string {
  const select = NUMERICS.map(([n, e]) => `${e} as ${q(n)}`).join(', ');
  return `with input_rows as (${INPUT_ROWS}),
feature_values as (select ${select} from input_rows),
long_values as (from feature_values unpivot include nulls (v for feature in (${NUMERICS.map(([n]) => q(n)).join(', ')})))
select feature, count(v) as n, count(*) - count(v) as nulls, avg(v) as mean, coalesce(stddev_samp(v), 0) as std,
       min(v) as min, max(v) as max, quantile_cont(v, ${QUANTILES}) as quantiles,
       quantile_cont(v, 0.0) as clip_lo, quantile_cont(v, 1.0) as clip_hi
from long_values group by feature`;
}

/** What-if: the moments in wide form (one row, one scan, no unpivot). */
function momentsWideSql(): string {
  const cols = NUMERICS.map(([n, e]) => `count(${e}), avg(${e}), stddev_samp(${e}), min(${e}), max(${e})`).join(', ');
  return `select ${cols} from raw_data where ${LABELLED}`;
}

/** What-if: the quantiles in wide form (quantiles do not depend on the summation order: no need for one thread). */
function quantilesWideSql(): string {
  const cols = NUMERICS.map(([, e]) => `quantile_cont(${e}, ${QUANTILES})`).join(', ');
  return `select ${cols} from raw_data where ${LABELLED}`;
}

/** What-if: approximate quantiles (t-digest, one streaming pass). */
function quantilesApproxSql(): string {
  const cols = NUMERICS.map(([, e]) => `approx_quantile(${e}, ${QUANTILES})`).join(', ');
  return `select ${cols} from raw_data where ${LABELLED}`;
}

/** What-if: the same quantiles from a bounded sample (approximate above 100k rows). */
function quantilesSampleSql(): string {
  const cols = NUMERICS.map(([, e]) => `quantile_cont(${e}, ${QUANTILES})`).join(', ');
  return `select ${cols} from (select * from raw_data where ${LABELLED} using sample reservoir(100000 rows) repeatable (42))`;
}

async function timed(conn: DuckDBConnection, sql: string): Promise<{ ms: number; rows: number }> {
  const t0 = performance.now();
  const reader = await conn.runAndReadAll(sql);
  return { ms: performance.now() - t0, rows: reader.currentRowCount };
}

async function setThreads(conn: DuckDBConnection, n: number): Promise<void> {
  await conn.run(`set threads = ${n}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string' },
      config: { type: 'string', default: path.join(ROOT, 'config/config.yaml') },
      probes: { type: 'boolean', default: false },
      csv: { type: 'string' },
      repeat: { type: 'string', default: '1' },
    },
  });
  if (!values.db) throw new Error('usage: floor.ts --db FILE [--probes] [--csv FILE]');
  const cfg = parseYaml(readFileSync(values.config!, 'utf8')) as { duckdb?: { threads?: number; memory_limit?: string } };
  const threads = cfg.duckdb?.threads ?? 2;
  const memoryLimit = cfg.duckdb?.memory_limit ?? '4GB';

  const tOpen = performance.now();
  const instance = await DuckDBInstance.create(values.db, { threads: String(threads), memory_limit: memoryLimit });
  const conn = await instance.connect();
  try {
    const openMs = performance.now() - tOpen;
    const version = String((await conn.runAndReadAll('select version() as v')).getRowObjects()[0].v);
    const rows = Number((await conn.runAndReadAll(`select count(*) as n from raw_data where ${LABELLED}`)).getRowObjects()[0].n);

    // the one-pass floor first, so the table the materialising floor writes does not sit in its buffer pool
    const groupedPass = await timed(conn, groupedPassSql());
    await conn.run('drop table if exists p');
    const materialise = await timed(conn, materialiseSql());
    const xtx = await timed(conn, xtxSql());
    const result: Record<string, unknown> = {
      duckdbVersion: version,
      threads,
      memoryLimit,
      rows,
      openMs,
      materialiseMs: materialise.ms,
      xtxMs: xtx.ms,
      xtxGroups: xtx.rows,
      floorMs: materialise.ms + xtx.ms,
      groupedPassMs: groupedPass.ms,
      groupedPassGroups: groupedPass.rows,
    };

    if (values.probes) {
      // Each probe runs `repeat` times, round robin, so that a burst of load from elsewhere hits all of them alike.
      const repeat = Math.max(1, Number(values.repeat));
      const probes: Record<string, number[]> = {};
      const probe = async (name: string, nThreads: number, sql: string, cleanup?: string) => {
        await setThreads(conn, nThreads);
        (probes[name] ??= []).push((await timed(conn, sql)).ms);
        if (cleanup) await conn.run(cleanup);
      };
      const csv = values.csv?.replace(/'/g, "''");
      for (let i = 0; i < repeat; i++) {
        await probe('xtx_1_thread', 1, xtxSql());
        await probe('feature_stats_as_pipeline_1_thread', 1, featureStatsLongSql());
        await probe(`feature_stats_as_pipeline_${threads}_threads`, threads, featureStatsLongSql());
        await probe('moments_wide_1_thread', 1, momentsWideSql());
        await probe(`quantiles_exact_wide_${threads}_threads`, threads, quantilesWideSql());
        await probe(`quantiles_approx_wide_${threads}_threads`, threads, quantilesApproxSql());
        await probe(`quantiles_reservoir_100k_${threads}_threads`, threads, quantilesSampleSql());
        if (csv) {
          // The ingestion floor: the file read with its types declared into a table (no checks, no quarantine).
          await probe(`read_csv_typed_${threads}_threads`, threads, `create table csv_floor as select * from read_csv('${csv}', header = true, auto_detect = false, columns = {
            'facility_id': 'VARCHAR', 'date': 'DATE', 'region': 'VARCHAR', 'sector': 'VARCHAR', 'temperature_c': 'DOUBLE',
            'energy_mwh': 'DOUBLE', 'renewable_share': 'DOUBLE', 'activity_index': 'DOUBLE', 'fuel_price_eur_mwh': 'DOUBLE', 'co2_tonnes': 'DOUBLE'})`);
          // A duplicate-key check as one GROUP BY (validated_rows.sql uses two window functions over all rows).
          await probe(`duplicate_keys_group_by_${threads}_threads`, threads, 'select count(*) from (select facility_id, "date" from csv_floor group by all having count(*) > 1)', 'drop table csv_floor');
        }
      }
      await setThreads(conn, threads);
      result.probes = probes;
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

await main();

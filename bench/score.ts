/**
 * Scoring a labelled batch, no retraining: `pipeline run --type PREDICTION_PIPELINE --input BATCH` on copies of a
 * trained database, with retrain_on_drift: false for both kinds of drift (a copy of each checkout's config.yaml), as
 * whole processes: wall (start-up included), CPU, peak RSS (`/usr/bin/time -v`), step durations (step_runs), the
 * batch's ingest and each SQL file (from the --verbose log). With `--vs CHECKOUT` the same runs of another checkout
 * (e.g. main) alternate with this one's in the same invocation, and their drift decisions, drift results, batch
 * evaluations and served rows are compared: the same decisions before and after, or the differences listed.
 *
 *   node --import tsx bench/score.ts --db TRAINED.duckdb --batch BATCH.csv [--runs K] [--vs CHECKOUT] [--json OUT]
 *
 * TRAINED.duckdb: a database holding a trained model (e.g. `pipeline ingest` + `pipeline run --type TRAINING_PIPELINE`
 * of 10M generated rows); it is copied for every run and never written.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { loadAverage, runTimed, type TimedRun } from './lib/child.ts';
import { parseSqlLog } from './lib/sql-log.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENV: NodeJS.ProcessEnv = { ...process.env, PIPELINE_NO_LOG_FILE: '1', NO_COLOR: '1', FORCE_COLOR: '0' };

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    batch: { type: 'string' },
    runs: { type: 'string', default: '3' },
    vs: { type: 'string' },
    json: { type: 'string' },
    'keep-db': { type: 'boolean', default: false },
  },
});
if (!values.db || !values.batch) {
  process.stderr.write('usage: node --import tsx bench/score.ts --db TRAINED.duckdb --batch BATCH.csv [--runs K] [--vs CHECKOUT] [--json OUT]\n');
  process.exit(2);
}
const trained = path.resolve(values.db);
const batch = path.resolve(values.batch);
const runs = Number(values.runs);
const checkouts: { label: string; dir: string }[] = [{ label: 'this', dir: ROOT }];
if (values.vs) checkouts.push({ label: path.basename(path.resolve(values.vs)), dir: path.resolve(values.vs) });

const work = mkdtempSync(path.join(process.env.BENCH_TMP ?? os.tmpdir(), 'score-'));
const log = (m: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);

/** The checkout's config with retraining on drift turned off, beside its own config (same relative paths). */
function noRetrainConfig(dir: string): string {
  const cfg = YAML.parse(readFileSync(path.join(dir, 'config', 'config.yaml'), 'utf8')) as { steps: Record<string, Record<string, unknown>> };
  for (const key of ['data_drift_detection', 'model_drift_detection']) cfg.steps[key] = { ...(cfg.steps[key] ?? {}), retrain_on_drift: false };
  const file = path.join(dir, 'config', `bench-score-no-retrain-${process.pid}.yaml`);
  writeFileSync(file, YAML.stringify(cfg));
  return file;
}

async function query(db: string, sql: string): Promise<Record<string, unknown>[]> {
  const inst = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
  const conn = await inst.connect();
  try {
    const r = await conn.runAndReadAll(sql);
    return r.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

interface Measured {
  label: string;
  run: TimedRun;
  steps: Record<string, number>;
  inRunS: number;
  ingestS: number;
  sql: Record<string, number>;
  outcome: Record<string, unknown[]>;
}

/** What the run decided and served: compared across checkouts. */
async function outcome(db: string, afterRun: number): Promise<Record<string, unknown[]>> {
  const where = `run_id > ${afterRun}`;
  const q = (s: string) => query(db, s);
  return {
    drift_decisions: await q(`select kind, drifted, n_tests, n_drifted, share_drifted, threshold, action, rule, decision_level, reason from drift_decisions where ${where} order by kind`),
    data_drift_results: await q(
      `select feature, feature_kind, method, statistic, p_value, threshold, n_ref, n_cur, drifted, effect_method, effect, effect_threshold, missing_share_ref, missing_share_cur, missing_p_value, p_value_adjusted, importance, used_by_model, counted, signal, detail from data_drift_results where ${where} order by feature`,
    ),
    model_drift_results: await q(`select test, method, statistic, p_value, threshold, n_ref, n_cur, drifted, effect_method, effect, effect_threshold, judged, detail from model_drift_results where ${where} order by test`),
    batch_evaluations: await q(`select model_version, role, n_actual, rmse, mae, bias, interval_level, coverage, evaluation_rmse, n_test, f_statistic, f_p_value, coverage_p_value, failed, reason from batch_evaluations where ${where} order by role`),
    served: await q(
      `select count(*) as n, sum(prediction) as sum_prediction, sum(prediction_upper - prediction_lower) as sum_width, count(*) filter (where len(flags) > 0) as n_flagged,
              list_sort(list_distinct(flatten(list(flags)))) as flags, count(distinct model_version) as n_models
       from served_predictions where ${where}`,
    ),
    served_flag_counts: await q(`select f, count(*) as n from (select unnest(flags) as f from served_predictions where ${where}) group by f order by f`),
    replay_counts: await q(`select row_count, replay_counts::varchar as replay_counts from data_processing_metadata where ${where}`),
  };
}

async function measureOnce(c: { label: string; dir: string }, config: string, i: number): Promise<Measured> {
  const db = path.join(work, `${c.label}-${i}.duckdb`);
  copyFileSync(trained, db);
  if (existsSync(`${trained}.wal`)) copyFileSync(`${trained}.wal`, `${db}.wal`);
  const [{ r }] = (await query(db, 'select coalesce(max(run_id), 0) as r from pipeline_runs')) as { r: number }[];
  const afterRun = Number(r);
  const run = await runTimed(process.execPath, [path.join(c.dir, 'bin', 'pipeline.mjs'), 'run', '--type', 'PREDICTION_PIPELINE', '--input', batch, '--db', db, '--config', config, '--verbose'], { cwd: c.dir, env: ENV });
  const stepRows = (await query(db, `select s.step_name, s.duration_ms, date_diff('millisecond', r.started_at, r.ended_at) as run_ms from step_runs s join pipeline_runs r using (run_id) where run_id > ${afterRun} order by step_order`)) as {
    step_name: string;
    duration_ms: number;
    run_ms: number;
  }[];
  const steps = Object.fromEntries(stepRows.map((s) => [s.step_name, Number(s.duration_ms) / 1000]));
  const sqlLog = parseSqlLog(run.stderr, 'ingest');
  const sql: Record<string, number> = {};
  for (const t of sqlLog) sql[`${t.step} · ${t.file}`] = (sql[`${t.step} · ${t.file}`] ?? 0) + t.ms / 1000;
  const ingestS = sqlLog.filter((t) => t.step === 'ingest').reduce((s, t) => s + t.ms / 1000, 0);
  const out = await outcome(db, afterRun);
  if (!values['keep-db']) {
    rmSync(db, { force: true });
    rmSync(`${db}.wal`, { force: true });
  }
  return { label: c.label, run, steps, inRunS: Number(stepRows[0]?.run_ms ?? 0) / 1000, ingestS, sql, outcome: out };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const f2 = (x: number) => x.toFixed(2);

/** Differences between two outcomes: numbers compared to a relative 1e-9, everything else exactly. */
function differences(a: unknown, b: unknown, at = ''): string[] {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) ? [] : [`${at}: ${a} vs ${b}`];
  if (typeof a === 'string' && typeof b === 'string' && a.startsWith('{') && b.startsWith('{')) {
    try {
      return differences(JSON.parse(a), JSON.parse(b), at);
    } catch {
      /* not JSON */
    }
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [`${at}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`];
}

async function main(): Promise<void> {
  const configs = new Map(checkouts.map((c) => [c.label, noRetrainConfig(c.dir)]));
  const all: Measured[] = [];
  try {
    log(`trained db ${trained}, batch ${batch}, ${runs} runs × ${checkouts.map((c) => c.label).join(', ')}; load ${loadAverage()}`);
    // warm-up: builds each checkout's bundle and code cache, fills the page cache
    for (const c of checkouts) await measureOnce(c, configs.get(c.label)!, 0);
    for (let i = 1; i <= runs; i++) {
      for (const c of checkouts) {
        const m = await measureOnce(c, configs.get(c.label)!, i);
        all.push(m);
        log(`${c.label} #${i}: ${f2(m.run.wallS)} s wall, ${Math.round(m.run.peakRssMb)} MB, ingest ${f2(m.ingestS)} s, steps ${Object.entries(m.steps).map(([k, v]) => `${k} ${f2(v)}`).join(', ')} (load ${m.run.loadBefore})`);
      }
    }
  } finally {
    for (const f of configs.values()) rmSync(f, { force: true });
    rmSync(work, { recursive: true, force: true });
  }
  const summary = checkouts.map((c) => {
    const ms = all.filter((m) => m.label === c.label);
    const stepNames = [...new Set(ms.flatMap((m) => Object.keys(m.steps)))];
    const sqlNames = [...new Set(ms.flatMap((m) => Object.keys(m.sql)))];
    return {
      label: c.label,
      dir: c.dir,
      wallS: median(ms.map((m) => m.run.wallS)),
      wallMinS: Math.min(...ms.map((m) => m.run.wallS)),
      cpuS: median(ms.map((m) => m.run.userS + m.run.sysS)),
      peakRssMb: median(ms.map((m) => m.run.peakRssMb)),
      inRunS: median(ms.map((m) => m.inRunS)),
      ingestS: median(ms.map((m) => m.ingestS)),
      steps: Object.fromEntries(stepNames.map((s) => [s, median(ms.map((m) => m.steps[s] ?? 0))])),
      sql: Object.fromEntries(
        sqlNames
          .map((s) => [s, median(ms.map((m) => m.sql[s] ?? 0))] as const)
          .filter(([, v]) => v >= 0.01)
          .sort((a, b) => b[1] - a[1]),
      ),
      loads: ms.map((m) => m.run.loadBefore),
    };
  });
  for (const s of summary) {
    process.stdout.write(`\n== ${s.label} (${s.dir})\nwall ${f2(s.wallS)} s (median of ${runs}; min ${f2(s.wallMinS)}), CPU ${f2(s.cpuS)} s, peak RSS ${Math.round(s.peakRssMb)} MB; in run ${f2(s.inRunS)} s; batch ingest SQL ${f2(s.ingestS)} s; load ${s.loads.join(' ')}\n`);
    process.stdout.write(`steps: ${Object.entries(s.steps).map(([k, v]) => `${k} ${f2(v)}`).join(', ')}\n`);
    for (const [k, v] of Object.entries(s.sql)) process.stdout.write(`  ${f2(v)}  ${k}\n`);
  }
  if (checkouts.length > 1) {
    const a = all.find((m) => m.label === checkouts[0].label)!;
    const b = all.find((m) => m.label === checkouts[1].label)!;
    const d = differences(a.outcome, b.outcome);
    process.stdout.write(`\noutcome (decisions, drift results, batch evaluations, served rows) ${checkouts[0].label} vs ${checkouts[1].label}: ${d.length ? `${d.length} differences\n${d.map((x) => `  ${x}`).join('\n')}` : 'identical'}\n`);
  }
  process.stdout.write(`\n${JSON.stringify(all[0]?.outcome.drift_decisions)}\n`);
  if (values.json) writeFileSync(values.json, JSON.stringify({ trained, batch, runs, summary, outcomes: all.map((m) => ({ label: m.label, outcome: m.outcome })) }, null, 2));
}

await main();

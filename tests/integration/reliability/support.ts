/**
 * Helpers of the reliability suites (crash, locking, bad input, determinism): the real CLI as a child process whose
 * stderr is watched line by line (to kill it at a chosen point), database invariants that must hold whatever
 * happened, and data shared by the suites of one mocha process (a 200 000-row file and a database trained on it,
 * each made once).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Config } from '../../../src/config/load.ts';
import { openDatabase, type OpenOptions, type PipelineDb } from '../../../src/db/database.ts';
import { quoteIdent } from '../../../src/db/sql-text.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runTrainingPipeline } from '../../../src/pipelines/training.ts';
import { BIN, PROJECT_ROOT, defaultConfig, generateFile, type CliResult } from '../../support/helpers.ts';

// ---------------------------------------------------------------------------------------------
// Opening a database the way the CLI does

/** Opens `dbPath` with the options `pipeline` itself uses for `config` (threads, memory, deterministic aggregates). */
export function openLikeCli(dbPath: string, config: Config = defaultConfig(), extra: OpenOptions = {}): Promise<PipelineDb> {
  const duck = config.duckdb as Config['duckdb'] & { deterministic?: boolean };
  return openDatabase(dbPath, { threads: duck.threads, memoryLimit: duck.memory_limit, deterministic: duck.deterministic, ...extra } as OpenOptions);
}

/** Opens `dbPath` read-only (no migrations), runs `fn`, closes it. Works on a file a killed process left behind. */
export async function readDb<T>(dbPath: string, fn: (db: PipelineDb) => Promise<T>): Promise<T> {
  const db = await openDatabase(dbPath, { readOnly: true, migrate: false });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export async function one<T = Record<string, unknown>>(db: PipelineDb, sql: string, params: unknown[] = []): Promise<T> {
  const rows = await db.query<T>(sql, params);
  if (rows.length !== 1) throw new Error(`expected one row from ${sql}, got ${rows.length}`);
  return rows[0];
}

/** Row counts of `tables` (a table that does not exist counts -1). */
export async function counts(db: PipelineDb, tables: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const existing = new Set((await db.query<{ t: string }>("select table_name as t from information_schema.tables where table_schema = 'main'")).map((r) => r.t));
  for (const t of tables) {
    out[t] = existing.has(t) ? (await one<{ n: number }>(db, `select count(*) as n from ${quoteIdent(t)}`)).n : -1;
  }
  return out;
}

/** The active model version of a stage, or null. */
export async function activeModel(db: PipelineDb, stage = 'DEV'): Promise<{ model_version: number; deployment_id: number } | null> {
  const rows = await db.query<{ model_version: number; deployment_id: number }>('select model_version, deployment_id from active_model where stage = $1', [stage]);
  return rows[0] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Invariants: what must hold in a stage database whatever happened to the processes that wrote it

/** The step whose transaction creates a per-run table, by the table's name prefix. */
const PER_RUN_TABLES: [RegExp, string][] = [
  [/^processed_r(\d+)$/, 'data_processing'],
  [/^reference_r(\d+)$/, 'data_processing'],
  [/^design_sums_r(\d+)$/, 'data_processing'],
  [/^train_r(\d+)$/, 'train_test_split'],
  [/^test_r(\d+)$/, 'train_test_split'],
  [/^eval_predictions_r(\d+)$/, 'model_evaluation'],
  [/^eval_intervals_r(\d+)$/, 'model_evaluation'],
  [/^predictions_r(\d+)$/, 'model_prediction'],
];

/**
 * Every way the database could show a partial or orphaned output. Empty when consistent:
 * - a models row and its model_training_metadata row exist together;
 * - a per-run table or view, and each step's metadata row, exist only for a run whose producing step succeeded;
 * - the active model exists and was activated by a 'deployed' decision;
 * - served predictions, drift results belong to a run whose step succeeded; a succeeded prediction run has both drift decisions;
 * - with `noneRunning`, no run or step is still marked running.
 */
export async function invariantViolations(db: PipelineDb, opts: { noneRunning?: boolean } = {}): Promise<string[]> {
  const v: string[] = [];
  const q = async (label: string, sql: string) => {
    const rows = await db.query<Record<string, unknown>>(sql);
    for (const r of rows) v.push(`${label}: ${JSON.stringify(r)}`);
  };
  const succeeded = (step: string, run = 'x.run_id') =>
    `exists (select 1 from step_runs s where s.run_id = ${run} and (s.step_name = '${step}' or s.step_name like '${step}\\_%' escape '\\') and s.status = 'succeeded')`;
  await q('models row without model_training_metadata', 'select m.model_version, m.run_id from models m anti join model_training_metadata t on t.run_id = m.run_id and t.model_version = m.model_version');
  await q('model_training_metadata without models row', 'select t.run_id, t.model_version from model_training_metadata t anti join models m on t.run_id = m.run_id and t.model_version = m.model_version');
  await q('models row of a run whose model_training did not succeed', `select x.model_version, x.run_id from models x where not ${succeeded('model_training')}`);
  await q('data_processing_metadata of a run whose data_processing did not succeed', `select x.run_id from data_processing_metadata x where not ${succeeded('data_processing')}`);
  await q('train_test_split_metadata of a run whose split did not succeed', `select x.run_id from train_test_split_metadata x where not ${succeeded('train_test_split')}`);
  await q('model_evaluation_metadata of a run whose evaluation did not succeed', `select x.run_id from model_evaluation_metadata x where not ${succeeded('model_evaluation')}`);
  await q(
    'deployment decision of a run whose model_deployment did not succeed',
    `select x.deployment_id, x.run_id from model_deployment_history x where x.run_id is not null and x.run_id in (select run_id from pipeline_runs where pipeline_type = 'TRAINING_PIPELINE') and not ${succeeded('model_deployment')}`,
  );
  await q('active model that does not exist', 'select a.stage, a.model_version from active_model a anti join models m using (model_version)');
  await q(
    'active model not activated by a deployed decision',
    "select a.stage, a.model_version from active_model a anti join model_deployment_history h on h.deployment_id = a.deployment_id and h.model_version = a.model_version and h.decision <> 'rejected'",
  );
  await q(
    'succeeded prediction run without its data and model drift decisions',
    "select r.run_id from pipeline_runs r where r.pipeline_type = 'PREDICTION_PIPELINE' and r.status = 'succeeded' and (select count(distinct kind) from drift_decisions d where d.run_id = r.run_id) < 2",
  );
  const tables = await db.query<{ name: string }>("select table_name as name from information_schema.tables where table_schema = 'main'");
  const names = new Set(tables.map((t) => t.name));
  if (names.has('served_predictions')) await q('served predictions of a run whose serve_prediction did not succeed', `select distinct x.run_id from served_predictions x where not ${succeeded('serve_prediction')}`);
  await q('data drift results of a run whose data_drift_detection did not succeed', `select distinct x.run_id from data_drift_results x where not ${succeeded('data_drift_detection')}`);
  await q('model drift results of a run whose model_drift_detection did not succeed', `select distinct x.run_id from model_drift_results x where not ${succeeded('model_drift_detection')}`);
  for (const t of names) {
    for (const [re, step] of PER_RUN_TABLES) {
      const m = re.exec(t);
      if (!m) continue;
      const [row] = await db.query<{ ok: boolean }>(`select ${succeeded(step, m[1])} as ok`);
      if (!row.ok) v.push(`table ${t} exists but step ${step} of run ${m[1]} did not succeed`);
    }
  }
  if (opts.noneRunning) {
    await q('run still marked running', "select run_id, status from pipeline_runs where status = 'running'");
    await q('step still marked running', "select run_id, step_name from step_runs where status = 'running'");
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// The CLI as a child process, watched line by line

export interface Exited extends CliResult {
  /** Milliseconds from spawn to exit. */
  ms: number;
}

export interface Watched {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  stderr(): string;
  /** Resolves with the first stderr line matching `re` (already seen or to come); rejects if the process ends first. */
  line(re: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGKILLs the process at once (from the stderr handler, so nothing more runs) when a stderr line matches `re`. */
  killOn(re: RegExp): void;
  /** The line the process was killed after, if killOn fired. */
  killedAfter(): string | null;
  exited: Promise<Exited>;
}

/** Starts `node bin/pipeline.mjs ...args` (PIPELINE_NO_LOG_FILE=1). Database commands must name their database. */
export function startCli(args: readonly string[], env: Record<string, string | undefined> = {}): Watched {
  if (!args.includes('--db') && args[0] !== 'generate') throw new Error(`startCli(${JSON.stringify(args)}): pass --db into a temp folder`);
  return startNode([BIN, ...args], env);
}

/** Starts a TypeScript script of the project (`node --import tsx script ...args`), watched like {@link startCli}. */
export function startScript(script: string, args: readonly string[], env: Record<string, string | undefined> = {}): Watched {
  return startNode(['--import', 'tsx', script, ...args], env);
}

function startNode(nodeArgs: readonly string[], env: Record<string, string | undefined>): Watched {
  const t0 = performance.now();
  const child = spawn(process.execPath, nodeArgs, { cwd: PROJECT_ROOT, env: { ...process.env, PIPELINE_NO_LOG_FILE: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  let out = '';
  let err = '';
  let pending = '';
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let killRe: RegExp | null = null;
  let killedAfter: string | null = null;
  const onLine = (l: string) => {
    lines.push(l);
    if (killRe && killedAfter === null && killRe.test(l)) {
      killedAfter = l;
      child.kill('SIGKILL');
    }
    for (const w of [...waiters]) {
      if (w.re.test(l)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    pending += d;
    let i: number;
    while ((i = pending.indexOf('\n')) >= 0) {
      onLine(pending.slice(0, i));
      pending = pending.slice(i + 1);
    }
  });
  const exited = new Promise<Exited>((resolve) => {
    child.on('close', (code, signal) => {
      if (pending) onLine(pending);
      resolve({ code, signal, stdout: out, stderr: err, ms: performance.now() - t0 });
    });
  });
  return {
    child,
    pid: child.pid as number,
    stderr: () => err,
    line(re, timeoutMs = 120_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no stderr line matching ${re} within ${timeoutMs} ms:\n${err}`)), timeoutMs);
        waiters.push({ re, resolve: (l) => (clearTimeout(timer), resolve(l)) });
        void exited.then((x) => {
          clearTimeout(timer);
          reject(new Error(`process ended (code ${x.code}, signal ${x.signal}) before a stderr line matched ${re}:\n${x.stderr}`));
        });
      });
    },
    killOn(re) {
      killRe = re;
      const seen = lines.find((l) => re.test(l));
      if (seen !== undefined && killedAfter === null) {
        killedAfter = seen;
        child.kill('SIGKILL');
      }
    },
    killedAfter: () => killedAfter,
    exited,
  };
}

/** Describes an exit for an assertion message. */
export function explain(x: Exited): string {
  return `exit ${x.code}${x.signal ? ` (signal ${x.signal})` : ''} after ${Math.round(x.ms)} ms\n--- stdout\n${x.stdout}\n--- stderr\n${x.stderr}`;
}

// ---------------------------------------------------------------------------------------------
// Data shared by the suites of one mocha process

let shared: string | undefined;
/** A temp folder for the whole mocha process, removed when it exits. */
export function sharedDir(): string {
  if (!shared) {
    shared = mkdtempSync(path.join(os.tmpdir(), 'mlp-reliability-'));
    const dir = shared;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return shared;
}

/** Rows of the big training file: enough that DuckDB scans it with several threads (more than one row group). */
export const BIG_ROWS = 200_000;
const csvs = new Map<number, Promise<string>>();
/** A labelled CSV of `rows` rows (baseline, seed 7), generated once per mocha process. */
export function sharedCsv(rows = BIG_ROWS): Promise<string> {
  let p = csvs.get(rows);
  if (!p) {
    p = (async () => {
      const file = path.join(sharedDir(), `train-${rows}.csv`);
      await generateFile(file, { rows, seed: 7 });
      return file;
    })();
    csvs.set(rows, p);
  }
  return p;
}

const templates = new Map<number, Promise<string>>();
/**
 * A closed database file with sharedCsv(rows) ingested (batch 1) and one TRAINING_PIPELINE run (run 1, model v1
 * active on DEV), made once per mocha process the way `pipeline ingest` and `pipeline run` do it. Copy it
 * ({@link copyDb}); never write to it.
 */
export function trainedTemplate(rows = BIG_ROWS): Promise<string> {
  let p = templates.get(rows);
  if (!p) {
    p = (async () => {
      const file = path.join(sharedDir(), `trained-${rows}.duckdb`);
      const csv = await sharedCsv(rows);
      const db = await openLikeCli(file);
      try {
        await ingestFile(db, defaultConfig(), csv);
        await runTrainingPipeline(db, defaultConfig(), 'DEV');
      } finally {
        await db.close();
      }
      return file;
    })();
    templates.set(rows, p);
  }
  return p;
}

/** Copies a closed database file (and its WAL, if any) to `to`. */
export function copyDb(from: string, to: string): string {
  copyFileSync(from, to);
  if (existsSync(`${from}.wal`)) copyFileSync(`${from}.wal`, `${to}.wal`);
  return to;
}

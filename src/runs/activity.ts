import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LockedError } from '../errors.ts';
import { processAlive } from '../process-alive.ts';

/**
 * What a process is doing to a stage database, kept in a small JSON file beside it (`dev.duckdb.activity.json`)
 * while the process holds the file: DuckDB lets no other process open a database that one process writes, so
 * this file is how `pipeline status` shows a run at work, and how the other commands say who holds the stage.
 *
 * The file is replaced atomically (written aside, then renamed) when the database is opened for writing, when a
 * run or step starts or ends, and every second while a step runs (with DuckDB's progress of the running
 * query); it is removed when the database is closed. A file whose process is gone (killed) is stale and ignored.
 */
export interface Activity {
  pid: number;
  hostname: string;
  /** The command line, e.g. `run --type PREDICTION_PIPELINE --input batch.csv`. */
  command: string;
  database: string;
  stage: string | null;
  /** When the process opened the database for writing. */
  since: string;
  updatedAt: string;
  /** Runs in progress, outermost first (a drift-triggered training run sits inside its prediction run). */
  runs: ActivityRun[];
}

export interface ActivityRun {
  runId: number;
  pipeline: string;
  parentRunId: number | null;
  startedAt: string;
  /** The step running now, if any. */
  step: ActivityStep | null;
  /** Steps of this run finished so far (in this process). */
  done: { name: string; status: string; durationMs: number; rowsOut: number | null }[];
}

export interface ActivityStep {
  name: string;
  order: number;
  startedAt: string;
  /** DuckDB's progress of the query running in the step, when it reports one. */
  query: { percentage: number; rowsProcessed: number; totalRows: number } | null;
}

/** The activity file of a database file. */
export function activityPath(dbPath: string): string {
  return `${dbPath}.activity.json`;
}

/** How often a running step refreshes the file (query progress, updatedAt). */
const REFRESH_MS = 1000;

const tracked = new Map<string, { activity: Activity; timer?: NodeJS.Timeout; native?: DuckDBConnection }>();

function write(dbPath: string): void {
  const t = tracked.get(dbPath);
  if (!t) return;
  t.activity.updatedAt = new Date().toISOString();
  const file = activityPath(dbPath);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(t.activity, null, 2)}\n`);
    renameSync(tmp, file);
  } catch {
    // best effort: a read-only folder or a full disk must not fail the run
    rmSync(tmp, { force: true });
  }
}

/**
 * Starts keeping the activity file of a database this process just opened for writing. Only the command line
 * does this; library callers (tests, scripts) leave no file.
 */
export function beginActivity(dbPath: string, info: { command: string; stage: string | null }): void {
  if (dbPath === ':memory:') return;
  const now = new Date().toISOString();
  tracked.set(dbPath, { activity: { pid: process.pid, hostname: os.hostname(), command: info.command, database: dbPath, stage: info.stage, since: now, updatedAt: now, runs: [] } });
  write(dbPath);
}

/** Removes the activity file (when the database is closed, or the process exits). */
export function endActivity(dbPath: string): void {
  const t = tracked.get(dbPath);
  if (!t) return;
  if (t.timer) clearInterval(t.timer);
  tracked.delete(dbPath);
  rmSync(activityPath(dbPath), { force: true });
}

/** Removes the activity file of every database this process keeps one for (at exit, or when stopped by a signal). */
export function endAllActivity(): void {
  for (const dbPath of [...tracked.keys()]) endActivity(dbPath);
}

process.on('exit', endAllActivity);

function runEntry(dbPath: string, runId: number, pipeline: string): ActivityRun | undefined {
  const t = tracked.get(dbPath);
  if (!t) return undefined;
  let run = t.activity.runs.find((r) => r.runId === runId);
  if (!run) {
    // a resumed run does not go through runStarted
    run = { runId, pipeline, parentRunId: null, startedAt: new Date().toISOString(), step: null, done: [] };
    t.activity.runs.push(run);
  }
  return run;
}

export function runStarted(dbPath: string, run: { runId: number; pipeline: string; parentRunId?: number }): void {
  const entry = runEntry(dbPath, run.runId, run.pipeline);
  if (!entry) return;
  entry.parentRunId = run.parentRunId ?? null;
  write(dbPath);
}

export function runEnded(dbPath: string, runId: number): void {
  const t = tracked.get(dbPath);
  if (!t) return;
  t.activity.runs = t.activity.runs.filter((r) => r.runId !== runId);
  write(dbPath);
}

export function stepStarted(dbPath: string, run: { runId: number; pipeline: string }, step: { name: string; order: number }, native: DuckDBConnection): void {
  const entry = runEntry(dbPath, run.runId, run.pipeline);
  const t = tracked.get(dbPath);
  if (!entry || !t) return;
  entry.step = { name: step.name, order: step.order, startedAt: new Date().toISOString(), query: null };
  write(dbPath);
  if (!t.timer) {
    t.timer = setInterval(() => {
      for (const r of t.activity.runs) if (r.step) r.step.query = queryProgress(native);
      write(dbPath);
    }, REFRESH_MS);
    t.timer.unref();
  }
}

export function stepEnded(dbPath: string, runId: number, step: { name: string; status: string; durationMs: number; rowsOut?: number }): void {
  const t = tracked.get(dbPath);
  const entry = t?.activity.runs.find((r) => r.runId === runId);
  if (!t || !entry) return;
  entry.step = null;
  entry.done.push({ name: step.name, status: step.status, durationMs: Math.round(step.durationMs), rowsOut: step.rowsOut ?? null });
  if (t.timer && !t.activity.runs.some((r) => r.step)) {
    clearInterval(t.timer);
    t.timer = undefined;
  }
  write(dbPath);
}

function queryProgress(native: DuckDBConnection): ActivityStep['query'] {
  try {
    const p = native.progress;
    if (p && p.percentage >= 0) return { percentage: p.percentage, rowsProcessed: Number(p.rows_processed), totalRows: Number(p.total_rows_to_process) };
  } catch {
    // progress is best effort
  }
  return null;
}

/**
 * The activity recorded beside a database, if its process still lives (on this host; a file from another
 * host is taken at its word). `lockPid`, when DuckDB named the process holding the lock, must match.
 */
export function readActivity(dbPath: string, lockPid?: number): Activity | undefined {
  let a: Activity;
  try {
    a = JSON.parse(readFileSync(activityPath(dbPath), 'utf8')) as Activity;
  } catch {
    return undefined;
  }
  if (typeof a?.pid !== 'number' || !Array.isArray(a.runs)) return undefined;
  if (lockPid !== undefined && a.pid !== lockPid) return undefined;
  if (a.hostname === os.hostname() && !processAlive(a.pid)) return undefined;
  return a;
}

/** The stage database is held by a process whose activity is known (exit 4, like any lock). */
export class StageBusyError extends LockedError {
  readonly activity: Activity;
  constructor(message: string, activity: Activity, options?: { cause?: unknown }) {
    super(message, options);
    this.activity = activity;
  }
}

/** Seconds as "42 s", "3 min 05 s", "1 h 02 min". */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** What the holder does, since when: "run 7 (PREDICTION_PIPELINE, step model_prediction), since … UTC (1 min 05 s)". */
export function describeActivity(a: Activity, now = Date.now()): string {
  const run = a.runs.at(-1);
  const since = `since ${a.since.replace('T', ' ').slice(0, 19)} UTC (${formatElapsed(now - Date.parse(a.since))})`;
  const what = run
    ? `run ${run.runId} (${run.pipeline}${run.parentRunId ? `, child of run ${run.parentRunId}` : ''}${run.step ? `, step ${run.step.name}` : ''})`
    : `'pipeline ${a.command}'`;
  return `${what}, ${since}`;
}

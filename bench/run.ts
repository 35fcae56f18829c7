/**
 * The benchmark: the pipeline's commands at N rows against the floor (DuckDB alone) and a pandas/scikit-learn
 * baseline, each measured K times (median, min, max), with peak RSS from `/usr/bin/time -v`.
 *
 *   npm run bench -- --rows N [--runs K] [--skip-baseline] [--skip-10m-check]
 *                    [--seed S] [--batch-rows M] [--skip-probes] [--keep-work]
 *   npm run bench -- startup [--runs K]     (start-up time of everyday commands: bench/startup.ts)
 *
 * See BENCHMARKS.md for the method. Data files are cached in bench/cache/ (by generator, seed and size);
 * every measured command works on its own fresh database file; results go to bench/results/.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statfsSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { loadAverage, runQuiet, runTimed, TIME_BIN, type TimedRun } from './lib/child.ts';
import { machineInfo, type MachineInfo } from './lib/machine.ts';
import { fmtMb, fmtRatio, fmtS, MAIN_HEADER, mainRows, textTable, targetRows, type TableRow, type TargetCheck } from './lib/report.ts';
import { parseSqlLog, totalsByStepFile } from './lib/sql-log.ts';
import { summarize, type Summary } from './lib/summary.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BENCH = path.join(ROOT, 'bench');
const CACHE = path.join(BENCH, 'cache');
const RESULTS = path.join(BENCH, 'results');
/** The pipeline's entry point: in the snapshot of the code taken at start (see snapshotCode). */
let PIPELINE = path.join(ROOT, 'bin', 'pipeline.mjs');
/** What the snapshot holds: the code a pipeline command runs. */
const CODE_PATHS = ['bin', 'src', 'sql', 'config', 'migrations', 'package.json', 'tsconfig.json'];
const PYTHON = '/usr/bin/python3';
const FACILITIES = 500;
const START_DATE = '2024-01-01';

const ENV: NodeJS.ProcessEnv = { ...process.env, PIPELINE_NO_LOG_FILE: '1', NO_COLOR: '1', FORCE_COLOR: '0' };

interface Options {
  rows: number;
  runs: number;
  seed: number;
  batchSeed: number;
  batchRows: number;
  skipBaseline: boolean;
  skip10mCheck: boolean;
  skipProbes: boolean;
  keepWork: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      runs: { type: 'string', default: '3' },
      seed: { type: 'string', default: '42' },
      'batch-seed': { type: 'string' },
      'batch-rows': { type: 'string' },
      'skip-baseline': { type: 'boolean', default: false },
      'skip-10m-check': { type: 'boolean', default: false },
      'skip-probes': { type: 'boolean', default: false },
      'keep-work': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || !values.rows) {
    process.stdout.write(
      'usage: npm run bench -- --rows N [--runs K] [--skip-baseline] [--skip-10m-check] [--seed S] [--batch-rows M] [--skip-probes] [--keep-work]\n',
    );
    process.exit(values.help ? 0 : 2);
  }
  const int = (name: string, v: string | undefined, min: number): number => {
    const n = Number(String(v).replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min} (got ${v})`);
    return n;
  };
  const rows = int('rows', values.rows, 1000);
  const seed = int('seed', values.seed, 0);
  return {
    rows,
    runs: int('runs', values.runs, 1),
    seed,
    batchSeed: values['batch-seed'] !== undefined ? int('batch-seed', values['batch-seed'], 0) : seed + 1,
    batchRows: values['batch-rows'] !== undefined ? int('batch-rows', values['batch-rows'], 100) : Math.max(100, Math.round(rows / 10)),
    skipBaseline: values['skip-baseline']!,
    skip10mCheck: values['skip-10m-check']!,
    skipProbes: values['skip-probes']!,
    keepWork: values['keep-work']!,
  };
}

function log(message: string): void {
  const t = new Date().toISOString().slice(11, 19);
  process.stderr.write(`${t} bench  ${message}\n`);
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A short hash of the generator's code and parameters: cached files are regenerated when it changes. */
function generatorFingerprint(codeDir: string): string {
  const hash = createHash('sha256');
  const dirs = [path.join(codeDir, 'src/generate'), path.join(codeDir, 'config/synthetic')];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      const p = path.join(dir, f);
      if (statSync(p).isFile()) hash.update(f).update(readFileSync(p));
    }
  }
  return hash.digest('hex').slice(0, 8);
}

/** Generates a CSV with the pipeline's own generator, unless the cache has it. */
async function cachedCsv(kind: string, rows: number, seed: number, startDate: string, fingerprint: string): Promise<{ file: string; generatedS: number | null }> {
  mkdirSync(CACHE, { recursive: true });
  const file = path.join(CACHE, `${kind}-n${rows}-s${seed}-${startDate}-g${fingerprint}.csv`);
  if (existsSync(file)) return { file, generatedS: null };
  const partial = file.replace(/\.csv$/, `.partial-${process.pid}.csv`);
  log(`generating ${rows.toLocaleString('en-US')} rows (seed ${seed}, from ${startDate}) → ${path.relative(ROOT, file)}`);
  const t0 = performance.now();
  try {
    await runQuiet(process.execPath, [PIPELINE, 'generate', '--rows', String(rows), '--seed', String(seed), '--start-date', startDate, '--out', partial], { cwd: ROOT, env: ENV });
    renameSync(partial, file);
  } finally {
    rmSync(partial, { force: true });
  }
  return { file, generatedS: (performance.now() - t0) / 1000 };
}

/**
 * Copies the pipeline's code into the work folder, so that every run of this invocation measures the same code
 * while other people edit the working tree; returns a hash of what was copied.
 */
function snapshotCode(work: string): { dir: string; hash: string } {
  const dir = path.join(work, 'code');
  const hash = createHash('sha256');
  const walk = (p: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) for (const f of readdirSync(p).sort()) walk(path.join(p, f));
    else if (st.isFile()) hash.update(path.relative(dir, p)).update(readFileSync(p));
  };
  for (const p of CODE_PATHS) {
    if (!existsSync(path.join(ROOT, p))) continue;
    cpSync(path.join(ROOT, p), path.join(dir, p), { recursive: true });
    walk(path.join(dir, p));
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return { dir, hash: hash.digest('hex').slice(0, 12) };
}

function copyDb(from: string, to: string): void {
  rmDb(to);
  copyFileSync(from, to);
  if (existsSync(`${from}.wal`)) copyFileSync(`${from}.wal`, `${to}.wal`);
}

function rmDb(file: string): void {
  rmSync(file, { force: true });
  rmSync(`${file}.wal`, { force: true });
}

async function pipelineSql<R>(db: string, query: string): Promise<R[]> {
  const out = await runQuiet(process.execPath, [PIPELINE, 'sql', query, '--db', db, '--format', 'json', '--quiet'], { cwd: ROOT, env: ENV });
  const text = out.trim();
  return text ? (JSON.parse(text.slice(text.indexOf('['))) as R[]) : [];
}

interface StepRow {
  run_id: number;
  pipeline_type: string;
  parent_run_id: number | null;
  run_status: string;
  run_ms: number | null;
  step_name: string | null;
  step_order: number | null;
  status: string | null;
  duration_ms: number | null;
  rows_in: number | null;
  rows_out: number | null;
  message: string | null;
}

async function stepRows(db: string, afterRunId: number): Promise<StepRow[]> {
  return pipelineSql<StepRow>(
    db,
    `select r.run_id, r.pipeline_type, r.parent_run_id, r.status as run_status,
            date_diff('millisecond', r.started_at, r.ended_at) as run_ms,
            s.step_name, s.step_order, s.status, s.duration_ms, s.rows_in, s.rows_out, s.message
     from pipeline_runs r left join step_runs s using (run_id)
     where r.run_id > ${afterRunId}
     order by r.run_id, s.step_order`,
  );
}

/** One measured run of a command, without its output text. */
interface RunRecord {
  wallS: number;
  cpuS: number;
  peakRssMb: number;
  loadBefore: number;
  /** Pipeline commands: time inside pipeline runs (pipeline_runs.started_at → ended_at, all runs of the command). */
  inRunS?: number;
  /** Step durations (step_runs.duration_ms) in s; a child run's steps are prefixed `retrain/`. */
  steps?: Record<string, number>;
  /** SQL files from the --verbose log: "step · sql/dir/file.sql" → total ms in this run. */
  sqlMs?: Record<string, number>;
  /** Whatever else the command reported (floor and baseline JSON, drift decisions…). */
  detail?: unknown;
}

function record(run: TimedRun): RunRecord {
  return { wallS: run.wallS, cpuS: run.userS + run.sysS, peakRssMb: run.peakRssMb, loadBefore: run.loadBefore };
}

function sqlTotals(stderr: string, firstStep: string): Record<string, number> {
  return Object.fromEntries([...totalsByStepFile(parseSqlLog(stderr, firstStep)).entries()].map(([k, v]) => [k, v.ms]));
}

function stepsOf(rows: readonly StepRow[]): { inRunS: number; steps: Record<string, number>; runs: { run_id: number; type: string; parent: number | null; status: string }[] } {
  const steps: Record<string, number> = {};
  const runs = new Map<number, { run_id: number; type: string; parent: number | null; status: string; ms: number }>();
  for (const r of rows) {
    runs.set(r.run_id, { run_id: r.run_id, type: r.pipeline_type, parent: r.parent_run_id, status: r.run_status, ms: r.run_ms ?? Number.NaN });
    if (r.step_name && r.duration_ms !== null) {
      const key = r.parent_run_id !== null ? `retrain/${r.step_name}` : r.step_name;
      steps[key] = (steps[key] ?? 0) + r.duration_ms / 1000;
    }
  }
  // A child run lies inside its parent's time: count top-level runs only.
  const inRunS = [...runs.values()].filter((r) => r.parent === null).reduce((s, r) => s + r.ms / 1000, 0);
  return { inRunS, steps, runs: [...runs.values()].map(({ ms: _ms, ...r }) => r) };
}

function assertSucceeded(rows: readonly StepRow[], what: string): void {
  const failed = rows.filter((r) => r.run_status !== 'succeeded');
  if (!rows.length) throw new Error(`${what}: no pipeline run was recorded`);
  if (failed.length) throw new Error(`${what}: run ${failed[0].run_id} ended ${failed[0].run_status}`);
}

interface CommandResult {
  label: string;
  command: string;
  runs: RunRecord[];
  wall: Summary;
  cpu: Summary;
  rss: Summary;
  inRun?: Summary;
  steps?: Record<string, Summary>;
  sqlFiles?: { key: string; ms: Summary }[];
}

function summarizeCommand(label: string, command: string, runs: RunRecord[]): CommandResult {
  const result: CommandResult = {
    label,
    command,
    runs,
    wall: summarize(runs.map((r) => r.wallS)),
    cpu: summarize(runs.map((r) => r.cpuS)),
    rss: summarize(runs.map((r) => r.peakRssMb)),
  };
  if (runs.some((r) => r.inRunS !== undefined)) result.inRun = summarize(runs.map((r) => r.inRunS ?? Number.NaN));
  if (runs.some((r) => r.steps)) {
    const names = [...new Set(runs.flatMap((r) => Object.keys(r.steps ?? {})))];
    result.steps = Object.fromEntries(names.map((n) => [n, summarize(runs.map((r) => r.steps?.[n] ?? 0))]));
  }
  if (runs.some((r) => r.sqlMs)) {
    const keys = [...new Set(runs.flatMap((r) => Object.keys(r.sqlMs ?? {})))];
    result.sqlFiles = keys.map((key) => ({ key, ms: summarize(runs.map((r) => r.sqlMs?.[key] ?? 0)) })).sort((a, b) => b.ms.median - a.ms.median);
  }
  return result;
}

function preflight(opts: Options): void {
  if (!existsSync(TIME_BIN)) throw new Error(`${TIME_BIN} not found: apt-get install -y time`);
  if (!opts.skipBaseline && !existsSync(PYTHON)) throw new Error(`${PYTHON} not found (or use --skip-baseline)`);
  mkdirSync(CACHE, { recursive: true });
  // Measured at 1M rows: CSV ~78 B/row, databases and copies ~400 B/row at the peak, the baseline's pickle ~100 B/row;
  // plus what DuckDB may spill during ingest once its temp tables outgrow memory_limit (~1.4 KB/row in memory at 1M).
  const needBytes = opts.rows * 2000 + opts.batchRows * 200;
  const fs = statfsSync(CACHE);
  const freeBytes = fs.bavail * fs.bsize;
  // The baseline holds the whole file in pandas: ~1.4 GB per million rows measured at 1M.
  const baselineGb = (opts.rows / 1e6) * 1.5 + 0.3;
  const availableGb = Number(readFileSync('/proc/meminfo', 'utf8').match(/^MemAvailable:\s+(\d+)/m)?.[1] ?? 0) / 1024 / 1024;
  if (!opts.skipBaseline && availableGb && availableGb < baselineGb * 1.2) {
    log(`warning: the baseline needs about ${baselineGb.toFixed(0)} GB of memory and ${availableGb.toFixed(0)} GB are available; it may be killed (use --skip-baseline)`);
  }
  if (freeBytes < needBytes) throw new Error(`not enough disk in ${CACHE}: ${(freeBytes / 1e9).toFixed(1)} GB free, about ${(needBytes / 1e9).toFixed(1)} GB needed`);
}

async function main(): Promise<void> {
  if (process.argv[2] === 'startup') {
    const { startupBenchmark } = await import('./startup.ts');
    return startupBenchmark(process.argv.slice(3));
  }
  const opts = parseOptions();
  preflight(opts);
  const tStart = performance.now();
  const python = opts.skipBaseline ? null : PYTHON;
  const machine = machineInfo(ROOT, python);
  if (python && !machine.python) throw new Error(`${PYTHON} cannot import pandas, sklearn and scipy: apt-get install -y python3-pandas python3-sklearn python3-scipy (or use --skip-baseline)`);
  log(`${opts.rows.toLocaleString('en-US')} rows, batch ${opts.batchRows.toLocaleString('en-US')} rows, ${opts.runs} runs each; ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memTotalGb} GB; load average ${machine.loadAverageAtStart.join(' ')}`);

  const work = path.join(CACHE, `work-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    await benchmark(opts, machine, python, work, tStart);
  } finally {
    if (!opts.keepWork) rmSync(work, { recursive: true, force: true });
  }
}

async function benchmark(opts: Options, machine: MachineInfo, python: string | null, work: string, tStart: number): Promise<void> {
  const snapshot = snapshotCode(work);
  PIPELINE = path.join(snapshot.dir, 'bin', 'pipeline.mjs');
  log(`measuring a snapshot of the code (${snapshot.hash}) in ${path.relative(ROOT, snapshot.dir)}`);
  // The config for (c'): the snapshot's own, with retraining on drift turned off, next to it (same relative paths).
  const noRetrainConfig = path.join(snapshot.dir, 'config', 'bench-no-retrain.yaml');
  const cfg = YAML.parse(readFileSync(path.join(snapshot.dir, 'config', 'config.yaml'), 'utf8')) as { steps: Record<string, Record<string, unknown>> };
  for (const key of ['data_drift_detection', 'model_drift_detection']) cfg.steps[key] = { ...(cfg.steps[key] ?? {}), retrain_on_drift: false };
  writeFileSync(noRetrainConfig, YAML.stringify(cfg));

  // Data: the training file, and a batch generated with another seed, starting the day after the training data ends.
  const fingerprint = generatorFingerprint(snapshot.dir);
  const trainDays = Math.ceil(opts.rows / FACILITIES);
  const batchStart = addDays(START_DATE, trainDays);
  const train = await cachedCsv('train', opts.rows, opts.seed, START_DATE, fingerprint);
  const batch = await cachedCsv('batch', opts.batchRows, opts.batchSeed, batchStart, fingerprint);

  const ingestedDb = path.join(work, 'ingested.duckdb');
  const trainedDb = path.join(work, 'trained.duckdb');
  const runs: Record<string, RunRecord[]> = { ingest: [], training: [], training_from_csv: [], prediction: [], prediction_scoring: [], cli_startup: [], floor: [], grouped_floor: [], csv_floor: [], baseline_train: [], baseline_predict: [], baseline_total: [] };
  const commands: Record<string, string> = {};
  let trainedMaxRun = 0;
  let probes: unknown = null;

  {
    // Warm-up, not measured: tsx's transform cache and the page cache, and a check that the snapshot runs at all.
    log('warm-up: a 2,000-row ingest, training and prediction');
    const warmCsv = path.join(work, 'warm.csv');
    const warmDb = path.join(work, 'warm.duckdb');
    await runQuiet(process.execPath, [PIPELINE, 'generate', '--rows', '2000', '--seed', '1', '--out', warmCsv], { cwd: ROOT, env: ENV });
    await runQuiet(process.execPath, [PIPELINE, 'ingest', warmCsv, '--db', warmDb], { cwd: ROOT, env: ENV });
    await runQuiet(process.execPath, [PIPELINE, 'run', '--type', 'TRAINING_PIPELINE', '--db', warmDb], { cwd: ROOT, env: ENV });
    await runQuiet(process.execPath, [PIPELINE, 'run', '--type', 'PREDICTION_PIPELINE', '--db', warmDb], { cwd: ROOT, env: ENV });
    rmDb(warmDb);

    for (let i = 1; i <= opts.runs; i++) {
      log(`run ${i} of ${opts.runs}`);
      // (a) ingest, into a new database file.
      const db = path.join(work, `run-${i}.duckdb`);
      rmDb(db);
      const ingest = await runTimed(process.execPath, [PIPELINE, 'ingest', train.file, '--db', db, '--verbose'], { cwd: ROOT, env: ENV });
      commands.ingest = `pipeline ingest ${path.relative(ROOT, train.file)} --db TMP`;
      const a: RunRecord = { ...record(ingest), sqlMs: sqlTotals(ingest.stderr, 'ingest') };
      runs.ingest.push(a);
      log(`  ingest            ${fmtS(ingest.wallS)} s, ${fmtMb(ingest.peakRssMb)} MB`);
      if (i === 1) copyDb(db, ingestedDb);

      // (b) training, on the freshly ingested database (the same state as a copy of it).
      const training = await runTimed(process.execPath, [PIPELINE, 'run', '--type', 'TRAINING_PIPELINE', '--db', db, '--verbose'], { cwd: ROOT, env: ENV });
      commands.training = 'pipeline run --type TRAINING_PIPELINE --db TMP (a fresh ingested database)';
      const trainingSteps = await stepRows(db, 0);
      assertSucceeded(trainingSteps, 'training');
      const tr = stepsOf(trainingSteps);
      const b: RunRecord = { ...record(training), inRunS: tr.inRunS, steps: tr.steps, sqlMs: sqlTotals(training.stderr, '(start-up)'), detail: { runs: tr.runs } };
      runs.training.push(b);
      log(`  training          ${fmtS(training.wallS)} s, ${fmtMb(training.peakRssMb)} MB (in runs ${fmtS(tr.inRunS)} s)`);

      // (d) training from the CSV file: the two commands back to back, as a user runs them.
      runs.training_from_csv.push({ wallS: a.wallS + b.wallS, cpuS: a.cpuS + b.cpuS, peakRssMb: Math.max(a.peakRssMb, b.peakRssMb), loadBefore: a.loadBefore });
      commands.training_from_csv = `${commands.ingest} && ${commands.training}`;
      if (i === 1) {
        copyDb(db, trainedDb);
        trainedMaxRun = Math.max(...trainingSteps.map((r) => r.run_id));
        const evaluation = await pipelineSql<Record<string, unknown>>(db, 'select * from model_evaluation_metadata');
        b.detail = { runs: tr.runs, evaluation };
      }
      rmDb(db);

      // (c) prediction, on a copy of the trained database: ingests the batch file, then the pipeline.
      const predDb = path.join(work, `pred-${i}.duckdb`);
      copyDb(trainedDb, predDb);
      const prediction = await runTimed(process.execPath, [PIPELINE, 'run', '--type', 'PREDICTION_PIPELINE', '--input', batch.file, '--db', predDb, '--verbose'], { cwd: ROOT, env: ENV });
      commands.prediction = `pipeline run --type PREDICTION_PIPELINE --input ${path.relative(ROOT, batch.file)} --db TMP (a copy of the trained database)`;
      const predSteps = await stepRows(predDb, trainedMaxRun);
      assertSucceeded(predSteps, 'prediction');
      const pr = stepsOf(predSteps);
      const decisions = await pipelineSql<Record<string, unknown>>(predDb, `select run_id, kind, drifted, n_tests, n_drifted, share_drifted, action, reason, child_run_id from drift_decisions where run_id > ${trainedMaxRun}`);
      const predSql = sqlTotals(prediction.stderr, 'ingest (batch)');
      runs.prediction.push({ ...record(prediction), inRunS: pr.inRunS, steps: pr.steps, sqlMs: predSql, detail: { runs: pr.runs, driftDecisions: decisions } });
      rmDb(predDb);
      log(`  prediction        ${fmtS(prediction.wallS)} s, ${fmtMb(prediction.peakRssMb)} MB (in runs ${fmtS(pr.inRunS)} s)${pr.runs.length > 1 ? `; ${pr.runs.length - 1} child run(s)` : ''}`);

      // (c') the same prediction with retraining on drift turned off (a copy of the config with both
      // retrain_on_drift: false): the scoring path the target describes, whatever the batch's drift decides.
      const scoreDb = path.join(work, `score-${i}.duckdb`);
      copyDb(trainedDb, scoreDb);
      const scoring = await runTimed(process.execPath, [PIPELINE, 'run', '--type', 'PREDICTION_PIPELINE', '--input', batch.file, '--db', scoreDb, '--config', noRetrainConfig, '--verbose'], { cwd: ROOT, env: ENV });
      commands.prediction_scoring = `pipeline run --type PREDICTION_PIPELINE --input ${path.relative(ROOT, batch.file)} --db TMP --config (config.yaml with retrain_on_drift: false for both kinds of drift)`;
      const scoreSteps = await stepRows(scoreDb, trainedMaxRun);
      assertSucceeded(scoreSteps, 'prediction (retraining off)');
      const sc = stepsOf(scoreSteps);
      runs.prediction_scoring.push({ ...record(scoring), inRunS: sc.inRunS, steps: sc.steps, sqlMs: sqlTotals(scoring.stderr, 'ingest (batch)') });
      rmDb(scoreDb);
      log(`  prediction, no retraining ${fmtS(scoring.wallS)} s, ${fmtMb(scoring.peakRssMb)} MB (in runs ${fmtS(sc.inRunS)} s)`);

      // CLI start-up: what any pipeline command pays before its work (node, tsx, config, opening the database).
      const startup = await runTimed(process.execPath, [PIPELINE, 'sql', 'select 1', '--db', trainedDb, '--quiet'], { cwd: ROOT, env: ENV });
      commands.cli_startup = 'pipeline sql "select 1" --db TRAINED';
      runs.cli_startup.push(record(startup));

      // The floor, on a copy of the ingested database.
      const floorDb = path.join(work, `floor-${i}.duckdb`);
      copyDb(ingestedDb, floorDb);
      const floor = await runTimed(process.execPath, ['--import', 'tsx', path.join(BENCH, 'floor.ts'), '--db', floorDb, '--config', path.join(snapshot.dir, 'config/config.yaml')], { cwd: ROOT, env: ENV });
      commands.floor = 'node --import tsx bench/floor.ts --db COPY_OF_INGESTED';
      const floorJson = JSON.parse(floor.stdout.trim().split('\n').pop()!) as { floorMs: number; materialiseMs: number; xtxMs: number };
      runs.floor.push({ ...record(floor), inRunS: floorJson.floorMs / 1000, detail: floorJson });
      // the one-pass floor of training (issue #16): the grouped sums of the 10 features in one aggregate, in DuckDB
      const grouped = (floorJson as unknown as { groupedPassMs: number }).groupedPassMs / 1000;
      runs.grouped_floor.push({ wallS: grouped, cpuS: 0, peakRssMb: 0, loadBefore: floor.loadBefore, inRunS: grouped });
      rmDb(floorDb);

      // The floor of ingestion: DuckDB's own typed parallel read_csv of the same file into a table, as a process.
      const csvFloorDb = path.join(work, `csv-floor-${i}.duckdb`);
      const csvFloor = await runTimed(process.execPath, ['--import', 'tsx', path.join(BENCH, 'ingest.ts'), '--floor-child', '--csv', train.file, '--db', csvFloorDb, '--config', path.join(snapshot.dir, 'config/config.yaml')], { cwd: ROOT, env: ENV });
      commands.csv_floor = 'node --import tsx bench/ingest.ts --floor-child --csv TRAIN.csv --db TMP (typed read_csv into a table)';
      const csvJson = JSON.parse(csvFloor.stdout.trim().split('\n').pop()!) as { queryS: number };
      runs.csv_floor.push({ ...record(csvFloor), inRunS: csvJson.queryS });
      rmDb(csvFloorDb);
      log(`  csv floor         ${fmtS(csvFloor.wallS)} s as a process (${fmtS(csvJson.queryS)} s its read_csv)`);
      log(`  floor             ${fmtS(floorJson.floorMs / 1000)} s in DuckDB (${fmtS(floor.wallS)} s as a process)`);

      // The baseline: train, then predict the same batch, as two processes.
      if (python) {
        const modelDir = path.join(work, `baseline-${i}`);
        const bt = await runTimed(python, [path.join(BENCH, 'baseline.py'), 'train', '--data', train.file, '--model-dir', modelDir, '--seed', String(opts.seed)], { cwd: ROOT, env: ENV });
        const bp = await runTimed(python, [path.join(BENCH, 'baseline.py'), 'predict', '--batch', batch.file, '--model-dir', modelDir, '--out', path.join(modelDir, 'predictions.csv')], { cwd: ROOT, env: ENV });
        commands.baseline_train = '/usr/bin/python3 bench/baseline.py train --data TRAIN.csv --model-dir DIR';
        commands.baseline_predict = '/usr/bin/python3 bench/baseline.py predict --batch BATCH.csv --model-dir DIR --out DIR/predictions.csv';
        commands.baseline_total = 'baseline train + baseline predict';
        const btJson = JSON.parse(bt.stdout.trim().split('\n').pop()!) as unknown;
        const bpJson = JSON.parse(bp.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
        delete bpJson.drift;
        runs.baseline_train.push({ ...record(bt), detail: btJson });
        runs.baseline_predict.push({ ...record(bp), detail: bpJson });
        runs.baseline_total.push({ wallS: bt.wallS + bp.wallS, cpuS: bt.userS + bt.sysS + bp.userS + bp.sysS, peakRssMb: Math.max(bt.peakRssMb, bp.peakRssMb), loadBefore: bt.loadBefore });
        rmSync(modelDir, { recursive: true, force: true });
        log(`  baseline          train ${fmtS(bt.wallS)} s, ${fmtMb(bt.peakRssMb)} MB; predict ${fmtS(bp.wallS)} s, ${fmtMb(bp.peakRssMb)} MB`);
      }
    }

    if (!opts.skipProbes) {
      log('probes: what-if variants of the slowest queries');
      const probeDb = path.join(work, 'probe.duckdb');
      copyDb(ingestedDb, probeDb);
      const probeRuns = opts.rows > 2_000_000 ? 1 : opts.runs;
      const p = await runTimed(
        process.execPath,
        ['--import', 'tsx', path.join(BENCH, 'floor.ts'), '--db', probeDb, '--config', path.join(snapshot.dir, 'config/config.yaml'), '--probes', '--repeat', String(probeRuns), '--csv', train.file],
        { cwd: ROOT, env: ENV },
      );
      probes = (JSON.parse(p.stdout.trim().split('\n').pop()!) as { probes: unknown }).probes;
      rmDb(probeDb);
    }
  }

  // Summaries.
  const labels: Record<string, string> = {
    ingest: '(a) ingest CSV',
    training: '(b) training pipeline, ingested DB',
    prediction: `(c) prediction pipeline, ${opts.batchRows.toLocaleString('en-US')}-row batch`,
    prediction_scoring: "(c') the same, retrain_on_drift: false",
    training_from_csv: '(d) training from CSV = (a) + (b)',
    cli_startup: 'CLI start-up (pipeline sql "select 1")',
    floor: 'floor: DuckDB pass + XᵀX (process)',
    grouped_floor: 'floor: one grouped aggregate pass (in DuckDB)',
    csv_floor: 'floor: typed read_csv into a table (process)',
    baseline_train: 'baseline train (pandas, sklearn)',
    baseline_predict: 'baseline predict (pandas, scipy)',
    baseline_total: 'baseline train + predict',
  };
  const results = Object.fromEntries(Object.entries(runs).filter(([, r]) => r.length).map(([k, r]) => [k, summarizeCommand(labels[k], commands[k] ?? '', r)]));
  const bTrain = results.baseline_train;
  const bPred = results.baseline_predict;
  const ratio = (x: CommandResult | undefined, base: CommandResult | undefined) =>
    x && base ? { timeVsBaseline: x.wall.median / base.wall.median, rssVsBaseline: x.rss.median / base.rss.median } : {};
  const floorInDuckdb: TableRow = {
    label: 'floor: DuckDB pass + XᵀX (in DuckDB)',
    wall: results.floor.inRun!,
    cpu: summarize([]),
    rss: summarize([]),
  };
  const tableRows: TableRow[] = [
    { ...results.ingest },
    { ...results.training, ...ratio(results.training, bTrain) },
    { ...results.prediction, ...ratio(results.prediction, bPred) },
    { ...results.prediction_scoring, ...ratio(results.prediction_scoring, bPred) },
    { ...results.training_from_csv, ...ratio(results.training_from_csv, bTrain) },
    { ...results.cli_startup },
    floorInDuckdb,
    { ...results.floor },
    ...(results.grouped_floor ? [{ ...results.grouped_floor }] : []),
    ...(results.csv_floor ? [{ ...results.csv_floor }] : []),
    ...(bTrain ? [bTrain, bPred, results.baseline_total] : []),
  ];

  const out: string[] = [];
  const loadEnd = loadAverage();
  out.push('');
  out.push(`ml-pipeline benchmark: ${opts.rows.toLocaleString('en-US')} rows, prediction batch ${opts.batchRows.toLocaleString('en-US')} rows, ${opts.runs} runs each (median, min, max)`);
  out.push(`${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memTotalGb} GB, node ${machine.node}, @duckdb/node-api ${machine.duckdbNodeApi}; commit ${machine.gitCommit?.slice(0, 10) ?? '?'}${machine.gitUncommitted.length ? ` + ${machine.gitUncommitted.length} uncommitted files in src/sql/config` : ''} (snapshot ${snapshot.hash})`);
  out.push(`load average: ${machine.loadAverageAtStart[0]} at start, ${loadEnd} at end (a quiet 2-CPU machine is below 2: wall times above are inflated by other work)`);
  out.push('');
  out.push(textTable(MAIN_HEADER, mainRows(tableRows)));
  out.push('time ÷ baseline: median ÷ median, (b) and (d) against baseline train, (c) against baseline predict; below 1 the pipeline is faster.');

  // Per step.
  for (const key of ['training', 'prediction', 'prediction_scoring'] as const) {
    const r = results[key];
    if (!r.steps) continue;
    const rows = Object.entries(r.steps).map(([name, s]) => [name, fmtS(s.median), fmtS(s.min), fmtS(s.max), `${Math.round((s.median / r.wall.median) * 100)}%`]);
    rows.push(['(all runs, from pipeline_runs)', fmtS(r.inRun!.median), fmtS(r.inRun!.min), fmtS(r.inRun!.max), `${Math.round((r.inRun!.median / r.wall.median) * 100)}%`]);
    const batchIngestMs = (r.sqlFiles ?? []).filter((f) => f.key.startsWith('ingest (batch) · ')).reduce((sum, f) => sum + f.ms.median, 0);
    if (batchIngestMs > 0) rows.push(['(batch ingest before the run: its SQL files)', fmtS(batchIngestMs / 1000), '', '', `${Math.round((batchIngestMs / 1000 / r.wall.median) * 100)}%`]);
    rows.push(['(outside runs: start-up, batch ingest, exit)', fmtS(r.wall.median - r.inRun!.median), '', '', `${Math.round(((r.wall.median - r.inRun!.median) / r.wall.median) * 100)}%`]);
    out.push('');
    out.push(`${r.label}: per step (step_runs.duration_ms)`);
    out.push(textTable(['step', 'median s', 'min s', 'max s', 'of wall'], rows));
  }

  // Per SQL file.
  for (const key of ['ingest', 'training', 'prediction'] as const) {
    const r = results[key];
    if (!r.sqlFiles) continue;
    const top = r.sqlFiles.filter((f) => f.ms.median >= 0.02 * r.wall.median * 1000).slice(0, 10);
    out.push('');
    out.push(`${r.label}: SQL files taking ≥ 2% of the wall time (--verbose log)`);
    const rows = top.map((f) => [f.key, fmtS(f.ms.median / 1000), fmtS(f.ms.min / 1000), fmtS(f.ms.max / 1000), `${Math.round((f.ms.median / 1000 / r.wall.median) * 100)}%`]);
    const allSql = summarize(r.runs.map((run) => Object.values(run.sqlMs ?? {}).reduce((a, b) => a + b, 0) / 1000));
    const rest = summarize(r.runs.map((run) => run.wallS - Object.values(run.sqlMs ?? {}).reduce((a, b) => a + b, 0) / 1000));
    rows.push(['(all SQL files of the command)', fmtS(allSql.median), fmtS(allSql.min), fmtS(allSql.max), `${Math.round((allSql.median / r.wall.median) * 100)}%`]);
    rows.push(['(outside SQL: start-up, TypeScript, exit)', fmtS(rest.median), fmtS(rest.min), fmtS(rest.max), `${Math.round((rest.median / r.wall.median) * 100)}%`]);
    out.push(textTable(['step · file', 'median s', 'min s', 'max s', 'of wall'], rows));
  }

  if (probes) {
    const rows = Object.entries(probes as Record<string, number[]>).map(([k, v]) => {
      const s = summarize(v.map((ms) => ms / 1000));
      return [k, fmtS(s.median), fmtS(s.min), fmtS(s.max), String(s.n)];
    });
    out.push('');
    out.push('probes: what-if queries in DuckDB on the ingested data (see BENCHMARKS.md)');
    out.push(textTable(['probe', 'median s', 'min s', 'max s', 'runs'], rows));
  }

  // Quality, to show both did the same job.
  const evaluation = (results.training.runs[0].detail as { evaluation?: Record<string, number>[] }).evaluation?.[0];
  const baselineEval = bTrain ? (bTrain.runs[0].detail as { evaluation: Record<string, number> }).evaluation : undefined;
  if (evaluation) {
    out.push('');
    out.push(`test metrics: pipeline RMSE ${fmtS(evaluation.new_rmse, 4)}, R² ${fmtS(evaluation.new_r2, 4)} (${evaluation.n_test} rows)` + (baselineEval ? `; baseline RMSE ${fmtS(baselineEval.rmse, 4)}, R² ${fmtS(baselineEval.r2, 4)}` : ''));
  }
  const predDetail = results.prediction.runs[0].detail as { driftDecisions: { kind: string; drifted: boolean; action: string; reason: string }[]; runs: unknown[] };
  out.push(`prediction runs: ${predDetail.runs.length} pipeline run(s) per measured command; drift: ${predDetail.driftDecisions.map((d) => `${d.kind} ${d.drifted ? 'DRIFT' : 'none'} (${d.action})`).join(', ')}`);

  // The targets (defined at 10M rows on a 2-CPU machine).
  let checks: TargetCheck[] = [];
  if (!opts.skip10mCheck) {
    checks = targetChecks(opts, results);
    out.push('');
    out.push(opts.rows === 10_000_000 ? 'targets (10M rows):' : `targets (defined at 10M rows; this run has ${opts.rows.toLocaleString('en-US')}: indicative only):`);
    out.push(textTable(['target', 'measured', 'status', 'note'], targetRows(checks), 4));
  }

  const totalS = (performance.now() - tStart) / 1000;
  out.push('');
  out.push(`benchmark took ${fmtS(totalS / 60, 1)} min`);

  // Results file.
  mkdirSync(RESULTS, { recursive: true });
  // date and time in the name: a second invocation on the same day must not overwrite the first
  const stamp = new Date().toISOString().slice(0, 16).replace('T', '-').replace(':', '');
  const name = `bench-${opts.rows}${opts.batchRows !== Math.max(100, Math.round(opts.rows / 10)) ? `-b${opts.batchRows}` : ''}-${stamp}.json`;
  const file = path.join(RESULTS, name);
  const json = {
    schema: 1,
    createdAt: new Date().toISOString(),
    invocation: `npm run bench -- ${process.argv.slice(2).join(' ')}`,
    options: opts,
    machine: { ...machine, duckdb: (results.floor.runs[0]?.detail as { duckdbVersion?: string } | undefined)?.duckdbVersion ?? null, loadAverageAtEnd: loadEnd },
    code: { snapshotHash: snapshot.hash, paths: CODE_PATHS, gitCommit: machine.gitCommit, uncommitted: machine.gitUncommitted },
    data: {
      train: { file: path.relative(ROOT, train.file), rows: opts.rows, bytes: statSync(train.file).size, seed: opts.seed, startDate: START_DATE, generatedS: train.generatedS },
      batch: { file: path.relative(ROOT, batch.file), rows: opts.batchRows, bytes: statSync(batch.file).size, seed: opts.batchSeed, startDate: batchStart, generatedS: batch.generatedS },
    },
    commands: results,
    probes,
    targets: checks,
    totalS,
  };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  out.push(`results: ${path.relative(ROOT, file)}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

/** Where each target of issue #16 stands. Medians throughout. */
function targetChecks(opts: Options, r: Record<string, CommandResult>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const d = r.training_from_csv;
  const bt = r.baseline_train;
  const ratioText = (x: number, y: number) => `${fmtRatio(x / y)} (${fmtS(x)} s vs ${fmtS(y)} s)`;
  if (bt) {
    const speedup = bt.wall.median / d.wall.median;
    checks.push({
      target: 'CSV → deployed model ≥ 4× faster than pandas + scikit-learn',
      measured: `${fmtRatio(speedup)} faster (${fmtS(d.wall.median)} s vs ${fmtS(bt.wall.median)} s; CPU ${fmtRatio(bt.cpu.median / d.cpu.median)})`,
      status: speedup >= 4 ? 'met' : 'not met',
    });
    const mem = d.rss.median / bt.rss.median;
    checks.push({ target: '… at ≤ 0.15× its peak memory', measured: `${fmtRatio(mem)} (${fmtMb(d.rss.median)} MB vs ${fmtMb(bt.rss.median)} MB)`, status: mem <= 0.15 ? 'met' : 'not met' });
  } else {
    checks.push({ target: 'CSV → deployed model vs baseline', measured: '—', status: 'n/a', note: '--skip-baseline' });
  }
  if (r.csv_floor) {
    const x = r.ingest.wall.median / r.csv_floor.wall.median;
    checks.push({ target: 'ingest ≤ 2× the typed read_csv (processes)', measured: ratioText(r.ingest.wall.median, r.csv_floor.wall.median), status: x <= 2 ? 'met' : 'not met' });
  }
  if (r.grouped_floor) {
    const inRun = r.training.inRun!.median;
    const floor = r.grouped_floor.wall.median;
    checks.push({
      target: 'training ≤ 3× the one-pass aggregate floor',
      measured: `${ratioText(inRun, floor)} inside the run; the whole process ${ratioText(r.training.wall.median, floor)}`,
      status: inRun / floor <= 3 ? 'met' : 'not met',
      note: 'floor: the grouped sums in DuckDB, no process start-up',
    });
  }
  const ps = r.prediction_scoring;
  const oneMillion = opts.batchRows === 1_000_000;
  checks.push({
    target: '1M-row labelled batch, no retrain, file → served ≤ 2 s (wall, start-up included)',
    measured: `${fmtS(ps.wall.median)} s (${opts.batchRows.toLocaleString('en-US')} rows); ${fmtS(r.prediction.wall.median)} s with the retrain its drift triggers`,
    status: oneMillion ? (ps.wall.median <= 2 ? 'met' : 'not met') : 'n/a',
    note: oneMillion ? undefined : 'the batch is not 1M rows',
  });
  const keys = ['ingest', 'training', 'prediction_scoring', 'prediction'] as const;
  const overGb = keys.filter((k) => r[k].rss.median > 1024);
  checks.push({
    target: 'peak RSS of every command ≤ 1 GB',
    measured: keys.map((k) => `${k} ${fmtMb(r[k].rss.median)} MB`).join(', '),
    status: opts.rows >= 10_000_000 ? (overGb.length ? 'not met' : 'met') : 'n/a',
    note: opts.rows >= 10_000_000 ? undefined : 'defined at 10M rows',
  });
  if (opts.rows >= 10_000_000) {
    const prev = latestResults(1_000_000, null);
    if (prev) {
      let within = true;
      const parts = keys.flatMap((k) => {
        const before = prev.commands[k]?.rss.median;
        if (!before) return [];
        const f = r[k].rss.median / before;
        within &&= f <= 1.5;
        return [`${k} ${fmtRatio(f)} (${fmtMb(before)} → ${fmtMb(r[k].rss.median)} MB)`];
      });
      checks.push({ target: 'peak RSS at 10M within 1.5× of 1M', measured: parts.join(', '), status: within ? 'met' : 'not met', note: `vs ${prev.file}` });
    } else {
      checks.push({ target: 'peak RSS at 10M within 1.5× of 1M', measured: '—', status: 'n/a', note: 'no bench-1000000-*.json in bench/results' });
    }
  }
  return checks;
}

/** The newest results file of a size: the default batch (batchRows null) or a given batch size. */
function latestResults(rows: number, batchRows: number | null): { file: string; commands: Record<string, { rss: Summary }> } | null {
  if (!existsSync(RESULTS)) return null;
  const prefix = batchRows === null ? `bench-${rows}-` : `bench-${rows}-b${batchRows}-`;
  // the newest by its createdAt (names carry the date, and since 2026-11-27 also the time, sometimes a suffix)
  const files = readdirSync(RESULTS)
    .filter((f) => f.startsWith(prefix) && /^bench-\d+(-b\d+)?-\d{4}-\d\d-\d\d.*\.json$/.test(f) && (batchRows !== null || !/-b\d+-/.test(f)))
    .map((f) => ({ f, json: JSON.parse(readFileSync(path.join(RESULTS, f), 'utf8')) as { createdAt: string; commands: Record<string, { rss: Summary }> } }))
    .sort((a, b) => (a.json.createdAt < b.json.createdAt ? -1 : 1));
  const last = files.at(-1);
  if (!last) return null;
  return { file: `bench/results/${last.f}`, commands: last.json.commands };
}


main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

/**
 * Shared helpers for the test suites: temp folders, the real CLI in a child process, configs,
 * real DuckDB databases (always closed), and small CSV files written by hand.
 *
 * Conventions every suite follows:
 * - databases live in temp folders (never `data/`), and every database opened is closed in `finally`/`after`;
 * - tests that spawn the CLI go through {@link runCli}, which sets `PIPELINE_NO_LOG_FILE=1` and refuses to run a
 *   database command without `--db` (or `--config`), so no test can touch the developer's stage databases;
 * - no mocks: the code under test runs against DuckDB.
 *
 * Importing this module lowers the in-process console logger to `warn`, so `info` lines of the code under
 * test do not drown the test report. Set `PIPELINE_TEST_LOGS=1` to keep them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import YAML from 'yaml';
import { DEFAULT_CONFIG_PATH, loadConfig, parseConfig, PROJECT_ROOT, type Config } from '../../src/config/load.ts';
import { openDatabase, type OpenOptions, type PipelineDb } from '../../src/db/database.ts';
import { quoteIdent } from '../../src/db/sql-text.ts';
import { streamReadOnlyQuery } from '../../src/inspect/read-only-query.ts';
import { generate, type GenerateOptions, type GenerateResult } from '../../src/generate/generate.ts';
import { logger } from '../../src/logger.ts';

export { PROJECT_ROOT };

/** The CLI entry point (`pipeline`). */
export const BIN = path.join(PROJECT_ROOT, 'bin/pipeline.mjs');

if (process.env.PIPELINE_TEST_LOGS !== '1') {
  for (const t of logger.transports) t.level = 'warn';
}

// ---------------------------------------------------------------------------------------------
// Temp folders

/** Creates a fresh folder under the OS temp dir (`mlp-XXXXXX`). The caller removes it ({@link removeDir}). */
export function tmpDir(prefix = 'mlp-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Removes a folder made by {@link tmpDir}; never throws. */
export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/**
 * Registers mocha hooks in the current `describe`: a temp folder made before its tests and removed after them.
 * Returns a getter, because the folder exists only once the `before` hook ran.
 *
 * ```ts
 * describe('ingest', () => {
 *   const dir = useTmpDir();
 *   it('…', () => { const file = path.join(dir(), 'x.csv'); … });
 * });
 * ```
 */
export function useTmpDir(prefix = 'mlp-'): () => string {
  let dir: string | undefined;
  before(() => {
    dir = tmpDir(prefix);
  });
  after(() => {
    removeDir(dir);
  });
  return () => {
    if (!dir) throw new Error('useTmpDir(): the folder exists only inside tests and hooks of its describe()');
    return dir;
  };
}

// ---------------------------------------------------------------------------------------------
// The CLI

export interface CliResult {
  /** Exit code; null only when the process was killed (see `signal`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** Working folder of the child (default: the project folder). */
  cwd?: string;
  /** Extra environment variables (merged over this process's environment). */
  env?: Record<string, string | undefined>;
  /** Text written to the child's stdin. */
  input?: string;
  /** Kill the child after this many milliseconds (default 120 000). */
  timeoutMs?: number;
  /** Allow a database command without `--db`/`--config` (it would use the stage database under `data/`). */
  allowDefaultDb?: boolean;
}

/** Commands that never open a stage database. */
const NO_DB_COMMANDS = new Set(['generate']);

function checkDbArgs(args: readonly string[], opts: RunCliOptions): void {
  const command = args.find((a) => !a.startsWith('-'));
  const asksHelp = args.includes('--help') || args.includes('-h');
  const namesDb = args.some((a) => a === '--db' || a.startsWith('--db=') || a === '--config' || a.startsWith('--config='));
  if (command && !NO_DB_COMMANDS.has(command) && !asksHelp && !namesDb && !opts.allowDefaultDb) {
    throw new Error(`runCli(${JSON.stringify(args)}): pass --db pointing into a temp folder (or set allowDefaultDb)`);
  }
}

/**
 * Runs `node bin/pipeline.mjs ...args` synchronously, with `PIPELINE_NO_LOG_FILE=1`, and returns its exit code
 * and output. Database commands must name their database (`--db` into a temp folder, or `--config` whose
 * stages point there) unless `allowDefaultDb` is set.
 */
export function runCli(args: readonly string[], opts: RunCliOptions = {}): CliResult {
  checkDbArgs(args, opts);
  const res = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? PROJECT_ROOT,
    env: { ...process.env, PIPELINE_NO_LOG_FILE: '1', ...opts.env },
    input: opts.input,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error && !res.signal) throw res.error;
  return { code: res.status, signal: res.signal, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

/**
 * Like {@link runCli}, without blocking the event loop, so several CLI runs can proceed at once (see {@link mapLimit}).
 * Only run in parallel what may run in parallel: one writer per database file (read-only `sql` runs may share one).
 */
export function runCliAsync(args: readonly string[], opts: RunCliOptions = {}): Promise<CliResult> {
  checkDbArgs(args, opts);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? PROJECT_ROOT,
      env: { ...process.env, PIPELINE_NO_LOG_FILE: '1', ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** Throws (with the child's output, for the test report) unless the CLI exited with `code`. */
export function expectExit(res: CliResult, code: number, what = 'pipeline'): CliResult {
  if (res.code !== code) {
    throw new Error(`${what}: expected exit code ${code}, got ${res.code}${res.signal ? ` (signal ${res.signal})` : ''}\n--- stdout\n${res.stdout}\n--- stderr\n${res.stderr}`);
  }
  return res;
}

/** The rows of a query on a database file, through the CLI's read-only `sql --format json`. */
export function sqlJson<T = Record<string, unknown>>(db: string, query: string): T[] {
  return JSON.parse(expectExit(runCli(['sql', query, '--db', db, '--format', 'json']), 0, query).stdout) as T[];
}

/**
 * The rows {@link sqlJson} gives, read in this process by the code `pipeline sql --format json` runs (the database
 * opened read-only and sandboxed with the default config's DuckDB settings, the query streamed as JSON text, which is
 * parsed here), without starting a CLI process per query. For tests that read a database to check what a command
 * did; tests of the `sql` command itself run the CLI. The database is closed before this returns.
 */
export async function queryJson<T = Record<string, unknown>>(db: string, query: string): Promise<T[]> {
  const { duckdb } = defaultConfig();
  const conn = await openDatabase(db, { threads: duckdb.threads, memoryLimit: duckdb.memory_limit, deterministic: duckdb.deterministic, readOnly: true, sandboxed: true, migrate: false });
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  try {
    await streamReadOnlyQuery(conn, query, { format: 'json', timeoutSeconds: 0, out });
  } catch (err) {
    throw new Error(`${query}: ${(err as Error).message}`, { cause: err });
  } finally {
    await conn.close();
  }
  return JSON.parse(chunks.join('')) as T[];
}

// ---------------------------------------------------------------------------------------------
// Configuration

let cachedDefault: Config | undefined;

/** The project's config/config.yaml, loaded and validated once (it is frozen, so sharing it is safe). */
export function defaultConfig(): Config {
  cachedDefault ??= loadConfig();
  return cachedDefault;
}

/** A fresh, mutable copy of config/config.yaml as plain objects (before validation), for tests to edit. */
export function rawDefaultConfig(): Record<string, any> {
  return YAML.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as Record<string, any>;
}

/**
 * The default config with `edit` applied to its raw form, then validated like a config file. `source` defaults to
 * config/config.yaml's path, so what is found beside the config (synthetic/ generators) is found as for the default.
 */
export function configWith(edit: (raw: Record<string, any>) => void, source = DEFAULT_CONFIG_PATH): Config {
  const raw = rawDefaultConfig();
  edit(raw);
  return parseConfig(raw, source);
}

/** Writes `raw` as YAML to `file` (e.g. for `--config`), returning the path. */
export function writeYaml(file: string, raw: unknown): string {
  writeFileSync(file, YAML.stringify(raw));
  return file;
}

// ---------------------------------------------------------------------------------------------
// Databases

export interface WithDbOptions extends OpenOptions {
  /** Database file; default ':memory:'. */
  path?: string;
}

/**
 * Opens a database (in memory unless `path` is given; migrated unless `migrate: false`), runs `fn`, and closes
 * the database whatever happens.
 */
export async function withDb<T>(fn: (db: PipelineDb) => Promise<T>, options: WithDbOptions = {}): Promise<T> {
  const { path: dbPath = ':memory:', ...open } = options;
  const db = await openDatabase(dbPath, open);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** `select count(*)` of a table (name quoted), with an optional SQL condition written by the test. */
export async function countRows(db: PipelineDb, table: string, where?: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(`select count(*) as n from ${quoteIdent(table)}${where ? ` where ${where}` : ''}`);
  return row.n;
}

/** Names of the base tables of the main schema, sorted. */
export async function tableNames(db: PipelineDb): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    "select table_name as name from information_schema.tables where table_schema = 'main' and table_type = 'BASE TABLE' order by table_name",
  );
  return rows.map((r) => r.name);
}

/** What a database holds, compared before and after an operation that must not change it. */
export interface DbSnapshot {
  /** table name → row count */
  counts: Record<string, number>;
  /** table name → an order-independent hash of its content */
  content: Record<string, string>;
  /** sequence name → last value handed out (null if never used) */
  sequences: Record<string, number | null>;
}

/** Opens a database file read-only (no migrations), records its tables' row counts, content hashes and sequences, and closes it. */
export async function snapshotDb(dbPath: string): Promise<DbSnapshot> {
  return withDb(
    async (db) => {
      const snap: DbSnapshot = { counts: {}, content: {}, sequences: {} };
      for (const t of await tableNames(db)) {
        const [row] = await db.query<{ n: number; h: unknown }>(`select count(*) as n, coalesce(sum(hash(t)), 0)::varchar as h from ${quoteIdent(t)} t`);
        snap.counts[t] = row.n;
        snap.content[t] = String(row.h);
      }
      for (const s of await db.query<{ name: string; last: number | null }>('select sequence_name as name, last_value as last from duckdb_sequences()')) {
        snap.sequences[s.name] = s.last;
      }
      return snap;
    },
    { path: dbPath, readOnly: true, migrate: false },
  );
}

/** SHA-256 of a file's bytes, hex. */
export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Data files

/** Generates a synthetic file for `config` (default: the project's) with test-sized defaults: 2000 rows, seed 1, baseline. */
export async function generateFile(out: string, opts: Partial<Omit<GenerateOptions, 'out'>> = {}, config: Config = defaultConfig()): Promise<GenerateResult> {
  return generate(config, { rows: 2000, seed: 1, scenario: 'baseline', startDate: '2024-01-01', ...opts, out });
}

/** One CSV field: quoted when it holds the delimiter, a quote or a line break; null is an empty field. */
export function csvField(value: string | number | null | undefined, delimiter = ','): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return s.includes(delimiter) || /["\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text: the header line, then one line per row (each row already in header order). Ends with a newline. */
export function csvText(header: readonly string[], rows: readonly (readonly (string | number | null)[])[], delimiter = ','): string {
  return [header, ...rows].map((r) => r.map((v) => csvField(v, delimiter)).join(delimiter)).join('\n') + '\n';
}

/** Writes {@link csvText} to `file` and returns the path. */
export function writeCsv(file: string, header: readonly string[], rows: readonly (readonly (string | number | null)[])[], delimiter = ','): string {
  writeFileSync(file, csvText(header, rows, delimiter));
  return file;
}

/** The column names of the default contract (config/config.yaml), in order. */
export function defaultHeader(config: Config = defaultConfig()): string[] {
  return config.contract.columns.map((c) => c.name);
}

/**
 * A row that satisfies the default contract, as raw CSV text per column; `overrides` replaces values by column
 * name (use '' or null for an empty field). Give each row its own `facility_id`/`date`: they form the row key.
 */
export function defaultRow(overrides: Record<string, string | number | null> = {}, config: Config = defaultConfig()): (string | number | null)[] {
  const good: Record<string, string | number | null> = {
    facility_id: 'F000001',
    date: '2024-01-01',
    region: 'Lazio',
    sector: 'energy',
    temperature_c: 12.5,
    energy_mwh: 150,
    renewable_share: 0.25,
    activity_index: 100,
    fuel_price_eur_mwh: 80,
    co2_tonnes: 65.5,
  };
  for (const k of Object.keys(overrides)) {
    if (!(k in good)) throw new Error(`defaultRow: '${k}' is not a column of the default contract`);
  }
  return defaultHeader(config).map((c) => (c in overrides ? overrides[c] : good[c]));
}

/**
 * The default config with another dataset contract (no synthetic section: nothing is generated for it) and `edit`
 * applied to the raw form, validated like a config file.
 */
export function configForDataset(dataset: Record<string, unknown>, edit: (raw: Record<string, any>) => void = () => {}): Config {
  return configWith((raw) => {
    raw.dataset = dataset;
    delete raw.synthetic;
    edit(raw);
  });
}

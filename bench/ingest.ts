/**
 * Ingestion against its floor, side by side in one invocation, run by run (round robin, so a burst of load from
 * other work hits both alike):
 *
 *   floor   a bare typed parallel `read_csv` of the file into a table of a fresh database (the columns' types declared,
 *           no checks, no line numbers, no quarantine), with the pipeline's DuckDB settings (`duckdb.threads`,
 *           `duckdb.memory_limit` of the config);
 *   ingest  `pipeline ingest FILE` on a fresh database (start-up, migrations, scan, checks, quarantine, commit);
 *   text    (with --text) the same with PIPELINE_INGEST_PATH=text: the text path every CSV took before.
 *
 * Each run is a child process under /usr/bin/time -v (wall, CPU, peak RSS); the 1-minute load average before each
 * run is recorded. Medians of --runs runs; the per-SQL-statement times of `pipeline ingest` (its -v log) too.
 * Writes bench/results/ingest-ROWS-DATE.json and prints a table.
 *
 *   node --import tsx bench/ingest.ts --csv FILE [--runs 3] [--text] [--config FILE]
 *   node --import tsx bench/ingest.ts --rows 1000000 [--runs 3]     (generates bench/cache/ingest-ROWS.csv, seed 42)
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse as parseYaml } from 'yaml';
import { runQuiet, runTimed, type TimedRun } from './lib/child.ts';
import { machineInfo } from './lib/machine.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE = process.execPath;

interface Contract {
  dataset: { delimiter?: string; time?: { format?: string }; columns: { name: string; type?: string; role: string }[] };
  duckdb?: { threads?: number; memory_limit?: string };
}

/** DuckDB type of a contract column as the floor reads it (the types raw_data stores). */
function duckType(c: { type?: string; role: string }, timeKind: string): string {
  const t = c.type ?? (c.role === 'timestamp' ? timeKind : c.role === 'numeric' || c.role === 'target' ? 'double' : 'varchar');
  return { double: 'DOUBLE', integer: 'BIGINT', date: 'DATE', timestamp: 'TIMESTAMP', varchar: 'VARCHAR' }[t] ?? 'VARCHAR';
}

/** The floor, run in a child process: a typed read_csv of the file into a table of a fresh database. */
async function floorChild(csv: string, db: string, configFile: string): Promise<void> {
  const cfg = parseYaml(readFileSync(configFile, 'utf8')) as Contract & { dataset: { time?: { column_kind?: string } } };
  const timeKind = cfg.dataset.time?.column_kind ?? 'date';
  const head = Buffer.alloc(1 << 16);
  const fd = openSync(csv, 'r');
  const got = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const header = head.subarray(0, got).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n|\r/)[0].split(cfg.dataset.delimiter ?? ',');
  const types = new Map(cfg.dataset.columns.map((c) => [c.name, duckType(c, timeKind)]));
  const columns = header.map((h) => `'${h.replace(/'/g, "''")}': '${types.get(h) ?? 'VARCHAR'}'`).join(', ');
  const instance = await DuckDBInstance.create(db, { threads: String(cfg.duckdb?.threads ?? 2), memory_limit: cfg.duckdb?.memory_limit ?? '4GB' });
  const conn = await instance.connect();
  const t0 = performance.now();
  const fmt = cfg.dataset.time?.format ? `, dateformat = '${cfg.dataset.time.format.replace(/'/g, "''")}'` : '';
  await conn.run(`create table csv_floor as select * from read_csv('${csv.replace(/'/g, "''")}', header = true, auto_detect = false,
    delim = '${(cfg.dataset.delimiter ?? ',').replace(/'/g, "''")}', quote = '"', escape = '"'${fmt}, columns = {${columns}})`);
  const rows = Number((await conn.runAndReadAll('select count(*) as n from csv_floor')).getRowObjects()[0].n);
  conn.closeSync();
  instance.closeSync();
  process.stdout.write(`${JSON.stringify({ rows, queryS: (performance.now() - t0) / 1000 })}\n`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Per-statement times from a `pipeline -v` log: `debug sql/ingest/NAME.sql 123.4 ms`. */
function sqlTimes(stderr: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of stderr.matchAll(/debug\s+sql\/(\S+)\.sql ([0-9.]+) ms/g)) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]) / 1000;
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      csv: { type: 'string' },
      rows: { type: 'string' },
      runs: { type: 'string', default: '3' },
      text: { type: 'boolean', default: false },
      config: { type: 'string', default: path.join(ROOT, 'config/config.yaml') },
      'floor-child': { type: 'boolean', default: false },
      db: { type: 'string' },
    },
  });
  const configFile = path.resolve(values.config!);
  if (values['floor-child']) return floorChild(values.csv!, values.db!, configFile);
  let csv = values.csv ? path.resolve(values.csv) : undefined;
  if (!csv) {
    if (!values.rows) throw new Error('usage: ingest.ts --csv FILE | --rows N [--runs K] [--text]');
    const cache = path.join(ROOT, 'bench/cache');
    mkdirSync(cache, { recursive: true });
    csv = path.join(cache, `ingest-${values.rows}.csv`);
    if (!existsSync(csv)) await runQuiet(NODE, ['bin/pipeline.mjs', 'generate', '--rows', values.rows, '--seed', '42', '--out', csv, '--config', configFile, '-q'], { cwd: ROOT });
  }
  const runs = Math.max(1, Number(values.runs));
  const machine = machineInfo(ROOT, null);
  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-ingest-'));
  const kinds = ['floor', 'ingest', ...(values.text ? ['text'] : [])] as const;
  const results: Record<string, (TimedRun & { sql?: Record<string, number>; rowsAccepted?: number })[]> = {};
  try {
    for (let r = 0; r < runs; r++) {
      for (const kind of kinds) {
        const db = path.join(work, `${kind}-${r}.duckdb`);
        let run: TimedRun & { sql?: Record<string, number> };
        if (kind === 'floor') {
          run = await runTimed(NODE, ['--import', 'tsx', 'bench/ingest.ts', '--floor-child', '--csv', csv, '--db', db, '--config', configFile], { cwd: ROOT });
          const child = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { rows?: number; queryS?: number };
          (run as TimedRun & { queryS?: number }).queryS = child.queryS;
        } else {
          const env = { ...process.env, ...(kind === 'text' ? { PIPELINE_INGEST_PATH: 'text' } : {}) };
          run = await runTimed(NODE, ['bin/pipeline.mjs', 'ingest', csv, '--db', db, '--config', configFile, '-v'], { cwd: ROOT, env });
          run.sql = sqlTimes(run.stderr);
        }
        run.stderr = run.stderr.split('\n').filter((l) => !/debug/.test(l)).slice(-5).join('\n');
        (results[kind] ??= []).push(run);
        process.stderr.write(`run ${r + 1}/${runs} ${kind}: ${run.wallS.toFixed(2)} s, ${run.peakRssMb.toFixed(0)} MB, load ${run.loadBefore}\n`);
        for (const f of [db, `${db}.wal`]) rmSync(f, { force: true });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const summary: Record<string, unknown> = {};
  for (const kind of kinds) {
    const rs = results[kind];
    const statements: Record<string, number> = {};
    if (kind !== 'floor') {
      for (const name of new Set(rs.flatMap((x) => Object.keys(x.sql ?? {})))) statements[name] = median(rs.map((x) => x.sql?.[name] ?? 0));
    }
    summary[kind] = {
      medianWallS: median(rs.map((x) => x.wallS)),
      wallS: rs.map((x) => x.wallS),
      medianCpuS: median(rs.map((x) => x.userS + x.sysS)),
      medianPeakRssMb: median(rs.map((x) => x.peakRssMb)),
      peakRssMb: rs.map((x) => x.peakRssMb),
      loadBefore: rs.map((x) => x.loadBefore),
      ...(kind === 'floor' ? { medianQueryS: median(rs.map((x) => (x as { queryS?: number }).queryS ?? Number.NaN)) } : { sqlMedianS: statements }),
    };
  }
  const med = (k: string) => (summary[k] as { medianWallS: number }).medianWallS;
  const out = {
    csv,
    csvBytes: statSync(csv).size,
    runs,
    machine,
    loadAverageAtEnd: os.loadavg(),
    summary,
    ratio: med('ingest') / med('floor'),
    ...(values.text ? { textRatio: med('text') / med('floor') } : {}),
    // the ratio run by run (each ingest against the floor run just before it)
    ratioPerRun: results.ingest.map((x, i) => x.wallS / results.floor[i].wallS),
    runsDetail: results,
  };
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 16).replace(/[T:]/g, '-');
  const rowsLabel = values.rows ?? path.basename(csv, '.csv');
  const file = path.join(dir, `ingest-${rowsLabel}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  for (const kind of kinds) {
    const s = summary[kind] as { medianWallS: number; medianCpuS: number; medianPeakRssMb: number; wallS: number[] };
    process.stdout.write(`${kind.padEnd(7)} median ${s.medianWallS.toFixed(2)} s (runs ${s.wallS.map((w) => w.toFixed(2)).join(', ')}), CPU ${s.medianCpuS.toFixed(2)} s, peak RSS ${s.medianPeakRssMb.toFixed(0)} MB\n`);
  }
  process.stdout.write(`ingest ÷ floor ${out.ratio.toFixed(2)} (per run ${out.ratioPerRun.map((x) => x.toFixed(2)).join(', ')}); load ${machine.loadAverageAtStart.join(' ')} → ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n${file}\n`);
}

await main();

/**
 * Start-up benchmark: how long the everyday commands take on a small database, whole process, wall clock.
 *
 *   npm run bench -- startup [--runs K] [--rows N] [--vs CHECKOUT]
 *
 * Builds a small stage database in a temp folder (N generated rows ingested, one training run), runs every
 * command once to warm the bundle and the file cache, then runs the commands K times each, round-robin (so a
 * burst of load on the machine spreads over all of them), and prints median, min and max wall time against the
 * targets, with the median CPU seconds (user + system: on a busy machine a steadier figure than wall time, which it
 * approaches on an idle one). `node -e 0` is the floor: what Node alone takes to start and exit. With `--vs CHECKOUT` (another
 * commit checked out elsewhere, e.g. `git worktree add /tmp/base main`, its node_modules installed or linked) the
 * same commands of that checkout run in the same rounds, for a before/after comparison. Results go to bench/results/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadAverage, runQuiet, runTimed } from './lib/child.ts';
import { machineInfo } from './lib/machine.ts';
import { fmtS, textTable } from './lib/report.ts';
import { summarize, type Summary } from './lib/summary.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PIPELINE = path.join(ROOT, 'bin', 'pipeline.mjs');
const ENV: NodeJS.ProcessEnv = { ...process.env, PIPELINE_NO_LOG_FILE: '1', NO_COLOR: '1', FORCE_COLOR: '0' };

interface Case {
  label: string;
  /** Which code: this checkout, or the --vs one. */
  code: 'this' | 'vs';
  args: string[];
  /** Target in seconds (median), from issue #14. */
  target?: number;
  /** Not a pipeline command: node alone. */
  floor?: boolean;
}

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} bench  ${message}\n`);
}

export async function startupBenchmark(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '11' },
      rows: { type: 'string', default: '5000' },
      vs: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('usage: npm run bench -- startup [--runs K] [--rows N] [--vs CHECKOUT]\n');
    return;
  }
  const runs = Number(values.runs);
  const rows = Number(values.rows);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer (got ${values.runs})`);
  if (!Number.isInteger(rows) || rows < 100) throw new Error(`--rows must be an integer ≥ 100 (got ${values.rows})`);
  const vsBin = values.vs ? path.resolve(values.vs, 'bin', 'pipeline.mjs') : undefined;
  if (vsBin && !existsSync(vsBin)) throw new Error(`--vs: no ${vsBin}`);

  const machine = machineInfo(ROOT, null);
  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-startup-'));
  try {
    const db = path.join(work, 'small.duckdb');
    const csv = path.join(work, 'small.csv');
    log(`small database: ${rows} rows, one training run (${db})`);
    await runQuiet(process.execPath, [PIPELINE, 'generate', '--rows', String(rows), '--seed', '1', '--out', csv], { cwd: ROOT, env: ENV });
    await runQuiet(process.execPath, [PIPELINE, 'ingest', csv, '--db', db], { cwd: ROOT, env: ENV });
    await runQuiet(process.execPath, [PIPELINE, 'run', '--type', 'TRAINING_PIPELINE', '--db', db], { cwd: ROOT, env: ENV });

    const commands = (bin: string, code: Case['code']): Case[] => {
      const tag = code === 'vs' ? ' (--vs)' : '';
      return [
        { code, label: `pipeline --help${tag}`, args: [bin, '--help'], target: 0.2 },
        { code, label: `pipeline status${tag}`, args: [bin, 'status', '--db', db], target: 0.5 },
        { code, label: `pipeline sql "select 1"${tag}`, args: [bin, 'sql', 'select 1', '--db', db], target: 0.5 },
        { code, label: `pipeline models list${tag}`, args: [bin, 'models', 'list', '--db', db] },
        { code, label: `pipeline run --dry-run${tag}`, args: [bin, 'run', '--type', 'TRAINING_PIPELINE', '--dry-run', '--db', db] },
      ];
    };
    const cases: Case[] = [{ code: 'this', label: 'node -e 0 (floor)', args: ['-e', '0'], floor: true }, ...commands(PIPELINE, 'this'), ...(vsBin ? commands(vsBin, 'vs') : [])];
    // warm-up: builds the bundle if the sources changed, fills the page cache
    for (const c of cases) await runTimed(process.execPath, c.args, { cwd: ROOT, env: ENV });
    const wall = new Map<string, number[]>(cases.map((c) => [c.label, []]));
    const cpu = new Map<string, number[]>(cases.map((c) => [c.label, []]));
    const loads: number[] = [];
    log(`${cases.length} commands × ${runs} runs, round-robin`);
    for (let i = 0; i < runs; i++) {
      loads.push(loadAverage());
      for (const c of cases) {
        const t = await runTimed(process.execPath, c.args, { cwd: ROOT, env: ENV });
        wall.get(c.label)!.push(t.wallS);
        cpu.get(c.label)!.push(t.userS + t.sysS);
      }
    }
    const results = cases.map((c) => ({ ...c, wall: summarize(wall.get(c.label)!) as Summary, cpu: summarize(cpu.get(c.label)!) as Summary }));
    const table = textTable(
      ['command', 'median s', 'min s', 'max s', 'CPU s', 'target s', ''],
      results.map((r) => [r.label, fmtS(r.wall.median, 3), fmtS(r.wall.min, 3), fmtS(r.wall.max, 3), fmtS(r.cpu.median, 3), r.target ? fmtS(r.target, 1) : '', r.target && r.code === 'this' ? (r.wall.median <= r.target ? 'met' : 'NOT MET') : '']),
    );
    process.stdout.write(`\nStart-up, ${runs} runs each, small database (${rows} rows); ${machine.nproc} CPUs (${machine.cpuModel}), Node ${machine.node}; load average during runs ${summarize(loads).min}–${summarize(loads).max}\n\n${table}\n`);
    mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    const stamp = new Date().toISOString().slice(0, 16).replace(/[T:]/g, '-');
    const out = path.join(ROOT, 'bench', 'results', `startup-${stamp}.json`);
    writeFileSync(out, `${JSON.stringify({ invocation: `npm run bench -- startup ${argv.join(' ')}`.trim(), rows, runs, vs: values.vs ?? null, machine, loadAverages: loads, results: results.map(({ label, code, args, target, wall: w, cpu: c }) => ({ label, code, command: args.map((a) => a.replace(work, '$WORK').replace(ROOT, '.')).join(' '), target, wall: w, cpu: c })) }, null, 2)}\n`);
    log(`results: ${path.relative(ROOT, out)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A training run's step (model_evaluation unless `--step` names another, e.g. data_processing), before and after a
 * change, measured side by side: for each checkout
 * (e.g. the main checkout and a worktree), alternating, copies an ingested database, runs
 * `pipeline run --type TRAINING_PIPELINE -v` twice on the copy (the first run has no active model; the second, forced,
 * evaluates the first's model beside the new one) and reads the step's duration in each and its statements'
 * times from the verbose log, and the wall time of the whole training command (runS). Prints one JSON object: per
 * checkout and run, the medians, the load average before each run, and every measurement. With `--keep DIR`, each
 * checkout's last database is kept as DIR/<checkout>.duckdb (for bench/compare-evaluation.ts).
 *
 *   node --import tsx bench/eval-step.ts --db INGESTED.duckdb --repeat 2 [--step STEP] [--keep DIR] /work/main /work/wt/i17-eval
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSqlLog } from './lib/sql-log.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt?: string) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const base = opt('--db');
const repeat = Number(opt('--repeat', '2'));
const keep = opt('--keep');
const step = opt('--step', 'model_evaluation') as string;
if (!/^\w+$/.test(step)) throw new Error(`--step: not a step name: ${step}`);
const checkouts = args;
if (!base || !checkouts.length) throw new Error('usage: eval-step.ts --db INGESTED.duckdb [--repeat N] CHECKOUT...');

const STEP_DONE = new RegExp(`info\\s+step ${step} done in ([0-9.]+) s`);
const dir = mkdtempSync(path.join(os.tmpdir(), 'eval-step-'));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
type Run = { checkout: string; run: 'first' | 'with_active'; load1: number; stepS: number; runS: number; statementsMs: Record<string, number> };
const runs: Run[] = [];
try {
  for (let i = 0; i < repeat; i++) {
    for (const checkout of checkouts) {
      const db = path.join(dir, 'run.duckdb');
      rmSync(db, { force: true });
      rmSync(`${db}.wal`, { force: true });
      copyFileSync(base, db);
      for (const run of ['first', 'with_active'] as const) {
        const load1 = os.loadavg()[0];
        const t0 = performance.now();
        const p = spawnSync('node', [path.join(checkout, 'bin/pipeline.mjs'), 'run', '--type', 'TRAINING_PIPELINE', '--db', db, '-v', ...(run === 'with_active' ? ['--force'] : [])], {
          cwd: checkout,
          encoding: 'utf8',
          maxBuffer: 1 << 28,
        });
        const runS = Math.round((performance.now() - t0) / 10) / 100;
        if (p.status !== 0) throw new Error(`${checkout}: training failed (${p.status}): ${p.stderr.slice(-2000)}`);
        const log = `${p.stdout}\n${p.stderr}`;
        const done = log.match(STEP_DONE);
        if (!done) throw new Error(`${checkout}: no ${step} step in the log`);
        const statementsMs: Record<string, number> = {};
        for (const t of parseSqlLog(log)) if (t.step === step) statementsMs[t.file] = Math.round((statementsMs[t.file] ?? 0) + t.ms);
        runs.push({ checkout, run, load1: Math.round(load1 * 100) / 100, stepS: Number(done[1]), runS, statementsMs });
        process.stderr.write(`${checkout} ${run}: ${step} ${done[1]} s, training ${runS} s (load ${load1.toFixed(2)})\n`);
      }
      if (keep) copyFileSync(db, path.join(keep, `${path.basename(checkout)}.duckdb`));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const summary = checkouts.flatMap((checkout) =>
  (['first', 'with_active'] as const).map((run) => {
    const rs = runs.filter((r) => r.checkout === checkout && r.run === run);
    const files = [...new Set(rs.flatMap((r) => Object.keys(r.statementsMs)))];
    return {
      checkout,
      commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: checkout, encoding: 'utf8' }).trim(),
      run,
      medianStepS: median(rs.map((r) => r.stepS)),
      stepS: rs.map((r) => r.stepS),
      medianRunS: median(rs.map((r) => r.runS)),
      load1: rs.map((r) => r.load1),
      medianStatementsMs: Object.fromEntries(files.map((f) => [f, median(rs.map((r) => r.statementsMs[f] ?? 0))])),
    };
  }),
);
process.stdout.write(`${JSON.stringify({ base, step, repeat, nproc: os.cpus().length, summary, runs }, null, 2)}\n`);

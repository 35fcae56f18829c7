/**
 * Reads the `--verbose` console log of a pipeline command: every `sql/<dir>/<file>.sql N ms` debug line,
 * attributed to the step that was running (the `step X …` info lines), so time can be traced to a SQL file.
 */
export interface SqlTiming {
  /** The step running when the file ran ("ingest" before any step of a run starts). */
  step: string;
  file: string;
  ms: number;
}

const SQL_LINE = /^\d\d:\d\d:\d\d debug\s+(sql\/[\w/-]+\.sql) ([0-9.]+) ms/;
const STEP_START = /^\d\d:\d\d:\d\d info\s+step (\w+) …/;
const STEP_DONE = /^\d\d:\d\d:\d\d info\s+step (\w+) (done|failed)/;
const RUN_START = /^\d\d:\d\d:\d\d info\s+(\w+) run (\d+) started/;

export function parseSqlLog(stderr: string, firstStep = 'ingest'): SqlTiming[] {
  const out: SqlTiming[] = [];
  let step = firstStep;
  let inRun = false;
  for (const line of stderr.split('\n')) {
    if (RUN_START.test(line)) {
      inRun = true;
      step = '(run bookkeeping)';
      continue;
    }
    const s = line.match(STEP_START);
    if (s) {
      step = s[1];
      continue;
    }
    if (STEP_DONE.test(line)) {
      step = inRun ? '(run bookkeeping)' : firstStep;
      continue;
    }
    const m = line.match(SQL_LINE);
    if (m) out.push({ step, file: m[1], ms: Number(m[2]) });
  }
  return out;
}

/** Total ms per "step · file" of one run (a file may run several times in a step). */
export function totalsByStepFile(timings: readonly SqlTiming[]): Map<string, { step: string; file: string; ms: number; calls: number }> {
  const totals = new Map<string, { step: string; file: string; ms: number; calls: number }>();
  for (const t of timings) {
    const key = `${t.step} · ${t.file}`;
    const cur = totals.get(key) ?? { step: t.step, file: t.file, ms: 0, calls: 0 };
    cur.ms += t.ms;
    cur.calls += 1;
    totals.set(key, cur);
  }
  return totals;
}

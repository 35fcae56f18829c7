import { formatElapsed, type Activity } from '../runs/activity.ts';

const clock = (iso: string) => `${iso.replace('T', ' ').slice(0, 19)} UTC`;
const count = (n: number) => n.toLocaleString('en-US');

/**
 * What `pipeline status` shows while another process holds the stage: the command, its PID and since when,
 * and for each run in progress its finished steps and the step running now (with DuckDB's progress of the
 * running query). The rest of the status needs the database, which the running process holds.
 */
export function formatBusy(stage: string, database: string, a: Activity, now = Date.now()): string {
  const ago = (iso: string) => formatElapsed(now - Date.parse(iso));
  const out = [
    `Stage ${stage} — ${database}`,
    '',
    `Busy: 'pipeline ${a.command}', PID ${a.pid} on ${a.hostname}, since ${clock(a.since)} (${ago(a.since)})`,
  ];
  if (!a.runs.length) out.push('  (no run in progress: the command holds the database for other work)');
  for (const r of a.runs) {
    out.push('', `Run ${r.runId}: ${r.pipeline}${r.parentRunId ? ` (child of run ${r.parentRunId})` : ''}, started ${clock(r.startedAt)} (${ago(r.startedAt)} ago)`);
    for (const d of r.done) out.push(`  done     ${d.name.padEnd(22)} ${d.status.padEnd(9)} ${(d.durationMs / 1000).toFixed(2).padStart(8)} s${d.rowsOut !== null ? `  ${count(d.rowsOut)} rows` : ''}`);
    if (r.step) {
      const q = r.step.query;
      out.push(
        `  running  ${r.step.name.padEnd(22)} step ${r.step.order}, for ${ago(r.step.startedAt)}` +
          (q ? `; query ${q.percentage.toFixed(0)}%, ${count(q.rowsProcessed)} of ${count(q.totalRows)} rows` : ''),
      );
    }
  }
  out.push('', `Updated ${ago(a.updatedAt)} ago. The active model, recent runs and decisions show once the stage is free:`, 'DuckDB lets no other process open a database while one writes it.');
  return `${out.join('\n')}\n`;
}

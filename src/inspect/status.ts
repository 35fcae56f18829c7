import type { Selectable } from 'kysely';
import type { PipelineDb } from '../db/database.ts';
import type { ModelDeploymentHistoryTable } from '../db/tables.ts';
import { runSqlFile } from '../db/sql-runner.ts';
import { stagePin } from '../registry/deploy.ts';

export interface StatusReport {
  stage: string;
  database: string;
  activeModel: Record<string, unknown> | null;
  /** The stage's pin, if any: automatic deployments leave the active model alone until `models unpin`. */
  pin: { model_version: number; reason: string | null; pinned_at: Date } | null;
  recentRuns: Record<string, unknown>[];
  recentDrift: Record<string, unknown>[];
  recentDeployments: Pick<Selectable<ModelDeploymentHistoryTable>, 'deployment_id' | 'model_version' | 'decision' | 'reason' | 'decided_at' | 'start_at' | 'end_at'>[];
}

/** What `pipeline status` shows: the active model and why, the last runs, the last drift decisions. */
export async function stageStatus(db: PipelineDb, stage: string, limit = 10): Promise<StatusReport> {
  const [activeModel] = await runSqlFile(db, 'inspect', 'active_model', { params: { stage } });
  return {
    stage,
    database: db.path,
    activeModel: activeModel ?? null,
    pin: await stagePinOf(db, stage),
    recentRuns: await runSqlFile(db, 'inspect', 'recent_runs', { params: { limit } }),
    recentDrift: await runSqlFile(db, 'inspect', 'recent_drift', { params: { limit } }),
    recentDeployments: await db.kysely
      .selectFrom('model_deployment_history')
      .select(['deployment_id', 'model_version', 'decision', 'reason', 'decided_at', 'start_at', 'end_at'])
      .orderBy('deployment_id', 'desc')
      .limit(5)
      .execute(),
  };
}

async function stagePinOf(db: PipelineDb, stage: string): Promise<StatusReport['pin']> {
  const p = await stagePin(db, stage);
  return p && { model_version: p.modelVersion, reason: p.reason, pinned_at: p.pinnedAt };
}

const fmt = (v: unknown, digits = 4): string => {
  if (v === null || v === undefined) return '-';
  if (v instanceof Date) return v.toISOString().replace('T', ' ').slice(0, 19);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(digits);
  return String(v);
};

/** A plain-text table of selected columns. */
export function textTable(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => fmt(r[c])));
  const widths = columns.map((c, i) => Math.min(70, Math.max(c.length, ...cells.map((r) => r[i].length))));
  const line = (vals: string[]) => vals.map((v, i) => (v.length > widths[i] ? `${v.slice(0, widths[i] - 1)}…` : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(columns), ...cells.map(line)].join('\n');
}

export function formatStatus(s: StatusReport): string {
  const out: string[] = [`Stage ${s.stage} — ${s.database}`, ''];
  const a = s.activeModel;
  if (a) {
    out.push(`Active model: v${fmt(a.model_version)} since ${fmt(a.activated_at)} (training run ${fmt(a.training_run_id)}, ${fmt(a.algorithm)}, ${fmt(a.n_train)} training rows)`);
    out.push(`  why: ${fmt(a.reason)}`);
    out.push(`  test: RMSE ${fmt(a.test_rmse)}  MAE ${fmt(a.test_mae)}  MAPE ${fmt(a.test_mape, 2)}%  R² ${fmt(a.test_r2)}  bias ${fmt(a.test_bias)}  (n ${fmt(a.n_test)})`);
  } else out.push('Active model: none (run the TRAINING_PIPELINE)');
  if (s.pin) {
    out.push(`Pinned to v${s.pin.model_version} since ${fmt(s.pin.pinned_at)}${s.pin.reason ? `: ${s.pin.reason}` : ''}`);
    out.push('  automatic deployments are recorded as not deployed until: pipeline models unpin');
  }
  out.push('', 'Recent runs:');
  // note: a failed run's error, or why a skipped run did nothing
  const runs = s.recentRuns.map((r) => ({ ...r, note: r.error ?? r.skip_reason }));
  out.push(runs.length ? textTable(runs, ['run_id', 'pipeline_type', 'status', 'started_at', 'duration_s', 'parent_run_id', 'batch_id', 'model_version', 'note']) : '  (none)');
  out.push('', 'Recent drift decisions:');
  out.push(s.recentDrift.length ? textTable(s.recentDrift, ['run_id', 'kind', 'drifted', 'rule', 'n_drifted', 'n_tests', 'action', 'child_run_id', 'reason']) : '  (none)');
  out.push('', 'Recent deployment decisions:');
  out.push(s.recentDeployments.length ? textTable(s.recentDeployments, ['deployment_id', 'model_version', 'decision', 'decided_at', 'end_at', 'reason']) : '  (none)');
  return `${out.join('\n')}\n`;
}

import path from 'node:path';
import type { Selectable } from 'kysely';
import type { PipelineDb } from '../db/database.ts';
import type { ModelDeploymentHistoryTable } from '../db/tables.ts';
import { runSqlFile } from '../db/sql-runner.ts';
import { InputError } from '../errors.ts';
import { textTable } from './status.ts';

export async function listModels(db: PipelineDb): Promise<Record<string, unknown>[]> {
  return runSqlFile(db, 'inspect', 'model_list');
}

export interface ModelDetail {
  model: Record<string, unknown>;
  deployments: Pick<Selectable<ModelDeploymentHistoryTable>, 'deployment_id' | 'run_id' | 'stage' | 'decision' | 'reason' | 'decided_at' | 'start_at' | 'end_at'>[];
}

/** One model version: features, coefficients, evaluation, lineage (run, batches, rows, window) and deployments. */
export async function showModel(db: PipelineDb, version: number): Promise<ModelDetail> {
  const [model] = await runSqlFile(db, 'inspect', 'model_detail', { params: { model_version: version } });
  if (!model) throw new InputError(`model version ${version} does not exist`);
  for (const k of ['coefficients_original', 'hyperparameters', 'dropped_features', 'warnings', 'source_lineage']) {
    if (typeof model[k] === 'string') model[k] = JSON.parse(model[k] as string);
  }
  const deployments = await db.kysely
    .selectFrom('model_deployment_history')
    .select(['deployment_id', 'run_id', 'stage', 'decision', 'reason', 'decided_at', 'start_at', 'end_at'])
    .where('model_version', '=', version)
    .orderBy('deployment_id')
    .execute();
  return { model, deployments };
}

export function formatModelList(rows: Record<string, unknown>[]): string {
  if (!rows.length) return 'no models yet (run the TRAINING_PIPELINE)\n';
  const shown = rows.map((r) => ({ ...r, active: `${r.is_active ? '*' : ''}${r.is_pinned ? ' pinned' : ''}` }));
  return `${textTable(shown, ['active', 'model_version', 'run_id', 'created_at', 'algorithm', 'n_train', 'r2_train', 'test_rmse', 'test_r2', 'last_decision', 'promoted_from'])}\n`;
}

interface SourceBatch {
  batch_id: number;
  source_file: string;
  checksum_sha256: string;
  rows_accepted: number;
}
interface SourceLineage {
  database: string;
  promoted_at: string;
  batches: SourceBatch[];
  trained_in: { stage: string; model_version: number; run_id: number; batches: SourceBatch[] };
}

const batchList = (bs: SourceBatch[]) => bs.map((b) => `${b.batch_id} (${path.basename(b.source_file)}, ${b.rows_accepted} rows, sha256 ${b.checksum_sha256.slice(0, 12)})`).join('; ');

/**
 * Where a model's data came from. A trained model names its training run and this stage's batches; a promoted one
 * names the stage, version, run and batches it was copied from (their ids are the source stage's) and the version
 * mapping, since each stage numbers its versions itself.
 */
function lineageLines(m: Record<string, unknown>): string[] {
  const window = `window ${m.window_from ?? '-'} … ${m.window_to ?? '-'}; ${m.n_rows} rows used`;
  if (!m.source_stage) {
    const trigger = m.parent_run_id ? ` (retraining triggered by run ${m.parent_run_id}: ${m.trigger_reason})` : '';
    return [`  training run ${m.run_id}${trigger}; batches ${JSON.stringify(m.batches)}; ${window}`];
  }
  const src = m.source_lineage as SourceLineage | null;
  const out = [
    `  promoted from ${m.source_stage} v${m.source_model_version} (here v${m.model_version}: each stage numbers its own versions) by promotion run ${m.run_id}` +
      `${src ? ` at ${src.promoted_at.replace('T', ' ').slice(0, 19)}, from ${src.database}` : ''}`,
  ];
  const first = src?.trained_in;
  if (first && (first.stage !== m.source_stage || first.model_version !== m.source_model_version)) {
    out.push(`  source: ${m.source_stage} run ${m.source_run_id}, itself a promotion; first trained in ${first.stage} as v${first.model_version} by run ${first.run_id}`);
    out.push(`  ${first.stage} batches ${batchList(first.batches) || '(not recorded)'}; ${window}`);
  } else {
    out.push(`  source: ${m.source_stage} training run ${m.source_run_id}; ${m.source_stage} batches ${src?.batches.length ? batchList(src.batches) : '(not recorded)'}; ${window}`);
  }
  return out;
}

export function formatModel(d: ModelDetail): string {
  const m = d.model;
  const orig = m.coefficients_original as { intercept: number; coefficients: Record<string, number> };
  const lines = [
    `Model v${m.model_version} (${m.algorithm}), trained by run ${m.run_id} at ${(m.created_at as Date).toISOString()}`,
    `Target: ${m.target}; ${m.n_train} training rows; train R² ${(m.r2_train as number).toFixed(4)}, RMSE ${(m.rmse_train as number).toFixed(4)}`,
    `Test (${m.n_test} rows): RMSE ${(m.new_rmse as number)?.toFixed(4)}, MAE ${(m.new_mae as number)?.toFixed(4)}, MAPE ${(m.new_mape as number)?.toFixed(2)}%, R² ${(m.new_r2 as number)?.toFixed(4)}, bias ${(m.new_bias as number)?.toFixed(4)}` +
      (m.active_model_version ? `; compared with v${m.active_model_version}: RMSE ${(m.active_rmse as number).toFixed(4)}` : ''),
    ...(m.evaluated_model_version !== null && m.evaluated_model_version !== undefined && m.evaluated_model_version !== m.model_version
      ? [`  (a refit has no held-out rows: these are the test figures of v${m.evaluated_model_version}, which passed the gate)`]
      : []),
    ...(m.interval_choice ? [`Intervals: ${m.interval_choice_reason}; auto serves ${m.interval_choice}${m.conformal_coverage !== null ? ` (cross-fitted conformal coverage ${((m.conformal_coverage as number) * 100).toFixed(1)}%)` : ''}`] : []),
    '',
    'Lineage:',
    ...(m.refit_of !== null && m.refit_of !== undefined ? [`  refit of v${m.refit_of} on every labelled row of the window (fit scope ${m.fit_scope})`] : []),
    ...lineageLines(m),
    `  split: ${m.split_method}${m.split_seed !== null ? ` (seed ${m.split_seed})` : ''}, test fraction ${m.test_fraction}; ${m.split_n_train} train / ${m.split_n_test} test rows, train period ${m.train_min_time} … ${m.train_max_time}`,
    `  data fingerprint ${m.data_fingerprint}; input ${m.input_fingerprint ?? '-'}, training config ${m.training_config_hash ?? '-'}; drift reference ${m.reference_table}`,
    `  hyper-parameters ${JSON.stringify(m.hyperparameters)}`,
    '',
    'Coefficients (raw units):',
    `  ${'(intercept)'.padEnd(34)} ${orig.intercept.toFixed(6)}`,
    ...Object.entries(orig.coefficients).map(([k, v]) => `  ${k.padEnd(34)} ${v.toFixed(6)}`),
  ];
  const dropped = m.dropped_features as { name: string; reason: string }[];
  if (dropped?.length) lines.push('', 'Dropped features:', ...dropped.map((d) => `  ${d.name}: ${d.reason}`));
  lines.push('', 'Deployments:', d.deployments.length ? textTable(d.deployments, ['deployment_id', 'stage', 'decision', 'decided_at', 'end_at', 'reason']) : '  (never deployed)');
  return `${lines.join('\n')}\n`;
}

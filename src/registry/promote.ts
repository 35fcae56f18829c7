import { existsSync } from 'node:fs';
import os from 'node:os';
import type { Config } from '../config/load.ts';
import type { Stage } from '../config/schema.ts';
import type { PipelineDb } from '../db/database.ts';
import { contractShapeHash, ensureDataTables } from '../db/data-tables.ts';
import { openDatabase } from '../db/database.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { runSqlFile } from '../db/sql-runner.ts';
import { sql } from 'kysely';
import { InputError } from '../errors.ts';
import { configHash, runTables } from '../runs/run-log.ts';
import { gateDecision, pinnedDecision, recordDeployment, stagePin } from './deploy.ts';
import type { Metrics } from '../steps/model-evaluation.ts';

const STEP = 'registry';

export interface PromoteResult {
  sourceVersion: number;
  targetVersion: number;
  runId: number;
  deployed: boolean;
  reason: string;
}

/** The source database, brought to this schema (it is attached read-only, and the copy reads migration 003's columns). */
async function upgradeSource(sourcePath: string, fromStage: Stage): Promise<void> {
  if (!existsSync(sourcePath)) throw new InputError(`no ${fromStage} database at ${sourcePath}: nothing to promote`);
  const src = await openDatabase(sourcePath, { readOnly: true, migrate: false });
  const pending = await pendingMigrations(src).finally(() => src.close());
  if (pending.length) await (await openDatabase(sourcePath)).close();
}

interface SourceModelRow {
  model_version: number;
  run_id: number;
  reference_table: string;
  source_stage: string | null;
  source_model_version: number | null;
  source_run_id: number | null;
  source_lineage: string | null;
}

/**
 * Where a promoted model came from, kept with the copy (models.source_lineage): the source database, the batches
 * that trained it as the source stage knows them, and the stage, version and run that trained it first (a model
 * promoted DEV → UAT → PROD names DEV's).
 */
function sourceLineage(src: SourceModelRow, fromStage: Stage, version: number, database: string, batches: Record<string, unknown>[], promotedAt: string): Record<string, unknown> {
  const earlier = src.source_lineage ? (JSON.parse(src.source_lineage) as { trained_in?: unknown }) : null;
  return {
    database,
    promoted_at: promotedAt,
    stage: fromStage,
    model_version: version,
    run_id: src.run_id,
    batches,
    trained_in: earlier?.trained_in ?? { stage: fromStage, model_version: version, run_id: src.run_id, batches },
  };
}

/**
 * Copies a model version with everything it needs (processing parameters, training, split and
 * evaluation metadata, its drift reference sample and evaluation predictions) from the source stage's
 * database into this one under a new version, then deploys it through the same gate — comparing the
 * recorded evaluation metrics — or, with `force`, deploys it with the given reason recorded. The copy gets the next
 * version number of this stage (versions count per stage database); models.source_stage / source_model_version /
 * source_run_id / source_lineage name the original. A pinned target stage keeps its model.
 */
export async function promote(
  target: PipelineDb,
  config: Config,
  opts: { sourcePath: string; fromStage: Stage; toStage: Stage; version?: number; force?: boolean; reason?: string },
): Promise<PromoteResult> {
  if (opts.force && !opts.reason) throw new InputError('--force needs --reason: the reason is recorded with the deployment');
  await ensureDataTables(target, config.contract);
  await upgradeSource(opts.sourcePath, opts.fromStage);
  await runSqlFile(target, STEP, 'detach_source');
  await runSqlFile(target, STEP, 'attach_source', { slots: { path: sql.lit(opts.sourcePath) } });
  try {
    const [srcContract] = await runSqlFile<{ contract_hash: string }>(target, STEP, 'source_contract');
    if (!srcContract || srcContract.contract_hash !== contractShapeHash(config.contract)) {
      throw new InputError(`the ${opts.fromStage} database holds a different dataset contract than ${opts.toStage}'s config: cannot promote`);
    }
    let version = opts.version;
    if (version === undefined) {
      const [a] = await runSqlFile<{ model_version: number }>(target, STEP, 'source_active', { params: { stage: opts.fromStage } });
      if (!a) throw new InputError(`no active model on ${opts.fromStage} to promote (give --version)`);
      version = a.model_version;
    }
    const [src] = await runSqlFile<SourceModelRow>(target, STEP, 'source_model', { params: { model_version: version } });
    if (!src) throw new InputError(`model version ${version} does not exist on ${opts.fromStage}`);
    const sourceBatches = await runSqlFile<Record<string, unknown>>(target, STEP, 'source_batches', { params: { run_id: src.run_id } });
    const [srcEval] = await runSqlFile<{ predictions_table: string; model_version: number; evaluated_model_version: number | null }>(target, STEP, 'source_eval_table', { params: { run_id: src.run_id } });
    // What drift detection compares batches with: a refit's own predictions on the gated model's test rows.
    const srcEvalTable = srcEval && srcEval.evaluated_model_version !== null && srcEval.evaluated_model_version !== srcEval.model_version ? runTables.evalPredictions(src.run_id) : srcEval?.predictions_table;
    const now = new Date().toISOString();
    const promoted = await target.transaction(async () => {
      const { run_id: runId } = await target.kysely
        .insertInto('pipeline_runs')
        .values({
          run_id: sql<number>`nextval('run_id_seq')`,
          pipeline_type: 'PROMOTION',
          stage: opts.toStage,
          status: 'succeeded',
          started_at: now,
          ended_at: now,
          trigger_reason: `promotion of ${opts.fromStage} v${version}`,
          config_hash: configHash(config),
          pid: process.pid,
          hostname: os.hostname(),
        })
        .returning('run_id')
        .executeTakeFirstOrThrow();
      const [{ model_version: newVersion }] = await runSqlFile<{ model_version: number }>(target, 'model_training', 'next_model_version');
      const reference = runTables.reference(runId);
      const evalTable = runTables.evalPredictions(runId);
      await runSqlFile(target, STEP, 'copy_table', { slots: { target_table: sql.id(reference), source_table: sql.id(src.reference_table) } });
      if (srcEvalTable) await runSqlFile(target, STEP, 'copy_table', { slots: { target_table: sql.id(evalTable), source_table: sql.id(srcEvalTable) } });
      const ids = { new_run_id: runId, new_version: newVersion, run_id: src.run_id, model_version: version };
      await runSqlFile(target, STEP, 'copy_model', {
        params: {
          ...ids,
          reference_table: reference,
          origin: JSON.stringify({ promoted_from: { stage: opts.fromStage, model_version: version, run_id: src.run_id, database: opts.sourcePath } }),
          source_stage: opts.fromStage,
          source_lineage: JSON.stringify(sourceLineage(src, opts.fromStage, version, opts.sourcePath, sourceBatches, now)),
        },
      });
      await runSqlFile(target, STEP, 'copy_processing_metadata', { params: ids });
      await runSqlFile(target, STEP, 'copy_training_metadata', { params: ids });
      await runSqlFile(target, STEP, 'copy_split_metadata', { params: ids });
      await runSqlFile(target, STEP, 'copy_evaluation_metadata', { params: { ...ids, predictions_table: evalTable } });
      return { runId, newVersion };
    });
    const [nm] = await runSqlFile<Metrics>(target, STEP, 'new_metrics', { params: { run_id: promoted.runId } });
    const [am] = await runSqlFile<Metrics & { model_version: number }>(target, STEP, 'target_active_metrics', { params: { stage: opts.toStage } });
    const gate = gateDecision({ newMetrics: nm, activeMetrics: am ?? null, activeModelVersion: am?.model_version ?? null, stage: opts.toStage }, config.steps.model_deployment);
    // A pinned target keeps its model, forced or not: the copy is made and the pin named; unpin (or pin the copy) to use it.
    const pin = await stagePin(target, opts.toStage);
    const deploy = !pin && (gate.deploy || Boolean(opts.force));
    const reason = pin
      ? `promoted from ${opts.fromStage} v${version}, ${pinnedDecision(pin, gate).reason}`
      : opts.force && !gate.deploy
        ? `forced promotion (${opts.reason}); the gate said: ${gate.reason}`
        : `promoted from ${opts.fromStage} v${version}: ${gate.reason}${am ? ' (each model on its own evaluation rows)' : ''}`;
    await recordDeployment(target, {
      runId: promoted.runId,
      modelVersion: promoted.newVersion,
      stage: opts.toStage,
      decision: pin ? 'blocked_by_pin' : deploy ? (opts.force && !gate.deploy ? 'forced' : 'promoted') : 'rejected',
      reason,
      evidence: { ...gate.evidence, source: { stage: opts.fromStage, model_version: version, database: opts.sourcePath }, forced: Boolean(opts.force), pinned_to: pin?.modelVersion ?? null },
      activates: deploy,
    });
    return { sourceVersion: version, targetVersion: promoted.newVersion, runId: promoted.runId, deployed: deploy, reason };
  } finally {
    await runSqlFile(target, STEP, 'detach_source').catch(() => undefined);
  }
}

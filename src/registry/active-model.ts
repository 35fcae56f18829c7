import { sql } from 'kysely';
import type { PipelineDb } from '../db/pipeline-db.ts';

/** The model serving on a stage now: the one place that answers "which model is active" (the v_active_model view says it in SQL). */
export interface ActiveModel {
  modelVersion: number;
  /** The run that trained it. */
  runId: number;
  /** The deployment-history row that activated it. */
  deploymentId: number;
  activatedAt: Date;
  /** What it was trained on, for the identical-retrain check. */
  inputFingerprint: string | null;
  trainingConfigHash: string | null;
}

export async function activeModelOf(db: PipelineDb, stage: string): Promise<ActiveModel | null> {
  const row = await db.kysely
    .selectFrom('active_model as a')
    .innerJoin('models as m', 'm.model_version', 'a.model_version')
    .select(['a.model_version', 'm.run_id', 'a.deployment_id', 'a.activated_at', 'm.input_fingerprint', 'm.training_config_hash'])
    .where('a.stage', '=', stage)
    .executeTakeFirst();
  return row
    ? { modelVersion: row.model_version, runId: row.run_id, deploymentId: row.deployment_id, activatedAt: row.activated_at, inputFingerprint: row.input_fingerprint, trainingConfigHash: row.training_config_hash }
    : null;
}

/** The active model of a stage with the gate decision that deployed it (what `status` and the report show). */
export async function activeModelRecord(db: PipelineDb, stage: string) {
  return db.kysely
    .selectFrom('active_model as a')
    .innerJoin('models as m', 'm.model_version', 'a.model_version')
    .leftJoin('model_deployment_history as h', 'h.deployment_id', 'a.deployment_id')
    .select([
      'a.stage',
      'a.model_version',
      'a.activated_at',
      'm.run_id as training_run_id',
      'm.algorithm',
      'm.n_train',
      'h.deployment_id',
      'h.run_id as decision_run_id',
      'h.decision',
      'h.reason',
      sql<string | null>`h.evidence::varchar`.as('evidence'),
      'h.decided_at',
    ])
    .where('a.stage', '=', stage)
    .executeTakeFirst();
}

/** One row of {@link activeModelRecord}. */
export type ActiveModelRecord = NonNullable<Awaited<ReturnType<typeof activeModelRecord>>>;

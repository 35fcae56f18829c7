import type { PipelineDb } from '../db/database.ts';
import { InputError } from '../errors.ts';
import { activeModelOf } from './active-model.ts';
import { recordDeployment, stagePin } from './deploy.ts';

export interface PinResult {
  stage: string;
  modelVersion: number;
  /** The version that was active before, when pinning activated another one. */
  replaced: number | null;
  reason: string | null;
  deploymentId: number;
}

export async function requireModel(db: PipelineDb, version: number): Promise<void> {
  const model = await db.kysely.selectFrom('models').select('model_version').where('model_version', '=', version).executeTakeFirst();
  if (!model) throw new InputError(`model version ${version} does not exist`);
}

/**
 * Pins a stage to a model version: activates it if another one is active (a manual deployment, recorded), and from
 * then on automatic deployments (training runs, drift-triggered retraining, promotions) record
 * "not deployed: stage pinned to vN" instead of activating, until {@link unpin}. All in one transaction.
 */
export async function pin(db: PipelineDb, stage: string, version: number, opts: { reason?: string; decision?: string; note?: string } = {}): Promise<PinResult> {
  await requireModel(db, version);
  return db.transaction(async () => {
    const current = await activeModelOf(db, stage);
    // A stage with no model of its own in this database is most likely the wrong --stage for this --db.
    if (!current) throw new InputError(`no active model on ${stage} in this database: nothing to pin (is --stage right for this database?)`);
    const replaced = current.modelVersion !== version ? current.modelVersion : null;
    const before = await stagePin(db, stage);
    const moves = before && before.modelVersion !== version ? `; the pin moves from v${before.modelVersion}` : '';
    const reason = opts.note ?? `pinned ${stage} to v${version}${replaced !== null ? ` (replacing active v${replaced})` : ' (already active)'}${moves}${opts.reason ? `: ${opts.reason}` : ''}`;
    const deploymentId = await recordDeployment(db, {
      runId: null,
      modelVersion: version,
      stage,
      decision: opts.decision ?? 'pin',
      reason,
      evidence: { replaced_model_version: replaced, previous_pin: before?.modelVersion ?? null, pin_reason: opts.reason ?? null },
      activates: replaced !== null,
    });
    const row = { stage, model_version: version, reason: opts.reason ?? null, pinned_at: new Date(), deployment_id: deploymentId };
    await db.kysely
      .insertInto('stage_pins')
      .values(row)
      .onConflict((oc) => oc.column('stage').doUpdateSet({ model_version: row.model_version, reason: row.reason, pinned_at: row.pinned_at, deployment_id: row.deployment_id }))
      .execute();
    return { stage, modelVersion: version, replaced, reason: opts.reason ?? null, deploymentId };
  });
}

/** Lifts a stage's pin (recorded in model_deployment_history); automatic deployments go through the gate again. */
export async function unpin(db: PipelineDb, stage: string, opts: { reason?: string } = {}): Promise<{ stage: string; modelVersion: number; deploymentId: number }> {
  return db.transaction(async () => {
    const p = await stagePin(db, stage);
    if (!p) throw new InputError(`${stage} is not pinned: nothing to unpin`);
    const deploymentId = await recordDeployment(db, {
      runId: null,
      modelVersion: p.modelVersion,
      stage,
      decision: 'unpin',
      reason: `unpinned ${stage} from v${p.modelVersion}${opts.reason ? `: ${opts.reason}` : ''}; automatic deployments go through the gate again`,
      evidence: { pinned_at: p.pinnedAt.toISOString(), pin_reason: p.reason },
      activates: false,
    });
    await db.kysely.deleteFrom('stage_pins').where('stage', '=', stage).execute();
    return { stage, modelVersion: p.modelVersion, deploymentId };
  });
}

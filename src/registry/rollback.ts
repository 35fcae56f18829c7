import type { PipelineDb } from '../db/database.ts';
import { InputError } from '../errors.ts';
import { activeModelOf } from './active-model.ts';
import { pin, requireModel } from './pin.ts';

/**
 * Re-activates the previously deployed model (or `toVersion`) and pins the stage to it, in one transaction, with a
 * deployment-history row saying who was replaced and why. The pin keeps the next training run (or a drift-triggered
 * retraining) from undoing the rollback; `pipeline models unpin` lifts it.
 */
export async function rollback(db: PipelineDb, stage: string, opts: { toVersion?: number; reason?: string } = {}): Promise<{ from: number; to: number; deploymentId: number }> {
  const current = await activeModelOf(db, stage);
  if (!current) throw new InputError(`no active model on ${stage}: nothing to roll back`);
  let to = opts.toVersion;
  if (to === undefined) {
    // the model deployed on this stage before the current one: the most recent activation of another version
    const prev = await db.kysely
      .selectFrom('model_deployment_history')
      .select('model_version')
      .where('stage', '=', stage)
      .where('start_at', 'is not', null)
      .where('model_version', '<>', current.modelVersion)
      .orderBy('deployment_id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!prev) throw new InputError(`model v${current.modelVersion} is the only model ever deployed on ${stage}: nothing to roll back to`);
    to = prev.model_version;
  }
  if (to === current.modelVersion) throw new InputError(`model v${to} is already active on ${stage}`);
  await requireModel(db, to);
  const note = `rollback from v${current.modelVersion} to v${to}${opts.reason ? `: ${opts.reason}` : ''}`;
  const p = await pin(db, stage, to, { reason: opts.reason ?? `rollback from v${current.modelVersion}`, decision: 'rollback', note });
  return { from: current.modelVersion, to, deploymentId: p.deploymentId };
}

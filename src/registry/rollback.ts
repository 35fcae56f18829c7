import type { PipelineDb } from '../db/database.ts';
import { runSqlFile } from '../db/sql-runner.ts';
import { InputError } from '../errors.ts';
import { activeModelOf } from '../steps/model-evaluation.ts';
import { recordDeployment } from '../steps/model-deployment.ts';

/**
 * Re-activates the previously deployed model (or `toVersion`) in one transaction, with a
 * deployment-history row saying who was replaced and why.
 */
export async function rollback(db: PipelineDb, stage: string, opts: { toVersion?: number; reason?: string } = {}): Promise<{ from: number; to: number; deploymentId: number }> {
  const current = await activeModelOf(db, stage);
  if (!current) throw new InputError(`no active model on ${stage}: nothing to roll back`);
  let to = opts.toVersion;
  if (to === undefined) {
    const prev = await runSqlFile<{ model_version: number }>(db, 'inspect', 'previous_deployed', { params: { stage, current_version: current.modelVersion } });
    if (!prev.length) throw new InputError(`model v${current.modelVersion} is the only model ever deployed on ${stage}: nothing to roll back to`);
    to = prev[0].model_version;
  }
  if (to === current.modelVersion) throw new InputError(`model v${to} is already active on ${stage}`);
  const exists = await db.query<{ n: number }>('select count(*) as n from models where model_version = $1', [to]);
  if (!exists[0].n) throw new InputError(`model version ${to} does not exist`);
  const reason = `rollback from v${current.modelVersion} to v${to}${opts.reason ? `: ${opts.reason}` : ''}`;
  const deploymentId = await recordDeployment(db, {
    runId: null,
    modelVersion: to,
    stage,
    decision: 'rollback',
    reason,
    evidence: { replaced_model_version: current.modelVersion, requested_version: opts.toVersion ?? null },
    activates: true,
  });
  return { from: current.modelVersion, to, deploymentId };
}

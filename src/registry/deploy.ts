import { sql } from 'kysely';
import type { Config } from '../config/load.ts';
import type { PipelineDb } from '../db/pipeline-db.ts';
import type { Metrics } from '../steps/model-evaluation.ts';
import { activeModelOf } from './active-model.ts';

/**
 * The deployment gate and its record: whether a model may replace the active one, the decision written to
 * model_deployment_history with its evidence, active_model moved, and a stage's pin (which keeps its model).
 */

export interface GateInput {
  newMetrics: Metrics;
  activeMetrics: Metrics | null;
  activeModelVersion: number | null;
  stage: string;
}

export interface GateDecision {
  deploy: boolean;
  reason: string;
  evidence: Record<string, unknown>;
}

/** The deployment gate, a pure function of the metrics and config: deploy, or refuse with the reason. */
export function gateDecision(input: GateInput, cfg: Config['steps']['model_deployment']): GateDecision {
  const { newMetrics: nm, activeMetrics: am } = input;
  const evidence: Record<string, unknown> = {
    new: nm,
    active: am,
    active_model_version: input.activeModelVersion,
    thresholds: { rmse_tolerance: cfg.rmse_tolerance, min_r2: cfg.min_r2 ?? null, max_rmse: cfg.max_rmse ?? null },
  };
  const bounds: string[] = [];
  if (cfg.min_r2 !== undefined && !(nm.r2 >= cfg.min_r2)) bounds.push(`test R² ${nm.r2.toFixed(4)} is below the minimum ${cfg.min_r2}`);
  if (cfg.max_rmse !== undefined && !(nm.rmse <= cfg.max_rmse)) bounds.push(`test RMSE ${nm.rmse.toFixed(4)} is above the maximum ${cfg.max_rmse}`);
  if (!Number.isFinite(nm.rmse)) bounds.push('test RMSE is not finite');
  if (bounds.length) return { deploy: false, reason: `refused: ${bounds.join('; ')}`, evidence };
  if (!am || input.activeModelVersion === null) return { deploy: true, reason: `deployed: no active model on ${input.stage}`, evidence };
  const limit = am.rmse * (1 + cfg.rmse_tolerance);
  evidence.rmse_limit = limit;
  if (nm.rmse <= limit) {
    // Say what happened: better (by how much), equal, or worse but within the tolerance.
    const change = am.rmse > 0 ? (nm.rmse - am.rmse) / am.rmse : 0;
    evidence.rmse_change = change;
    const how =
      Math.abs(change) < 5e-4
        ? `matches active v${input.activeModelVersion}'s ${am.rmse.toFixed(4)} on the same rows (difference ${(change * 100).toFixed(3)}%)`
        : nm.rmse < am.rmse
          ? `is ${(-change * 100).toFixed(1)}% better than active v${input.activeModelVersion}'s ${am.rmse.toFixed(4)} on the same rows`
          : `is ${(change * 100).toFixed(1)}% worse than active v${input.activeModelVersion}'s ${am.rmse.toFixed(4)} on the same rows, within the ${(cfg.rmse_tolerance * 100).toFixed(1)}% tolerance`;
    return { deploy: true, reason: `deployed: test RMSE ${nm.rmse.toFixed(4)} ${how} (limit ${limit.toFixed(4)})`, evidence };
  }
  return {
    deploy: false,
    reason: `refused: test RMSE ${nm.rmse.toFixed(4)} is worse than active v${input.activeModelVersion}'s ${am.rmse.toFixed(4)} by more than ${(cfg.rmse_tolerance * 100).toFixed(1)}% (limit ${limit.toFixed(4)})`,
    evidence,
  };
}

/**
 * Records a decision in model_deployment_history and, when it activates the model, ends the previous
 * deployment and sets active_model — all in one transaction.
 */
export async function recordDeployment(
  db: PipelineDb,
  d: { runId: number | null; modelVersion: number; stage: string; decision: string; reason: string; evidence: Record<string, unknown>; activates: boolean },
): Promise<number> {
  const now = new Date();
  return db.transaction(async () => {
    const current = await activeModelOf(db, d.stage);
    const { deployment_id: id } = await db.kysely
      .insertInto('model_deployment_history')
      .values({
        deployment_id: sql<number>`nextval('deployment_id_seq')`,
        run_id: d.runId,
        model_version: d.modelVersion,
        stage: d.stage,
        decision: d.decision,
        reason: d.reason,
        evidence: JSON.stringify(d.evidence),
        decided_at: now,
        start_at: d.activates ? now : null,
        end_at: null,
      })
      .returning('deployment_id')
      .executeTakeFirstOrThrow();
    if (d.activates) {
      if (current) await db.kysely.updateTable('model_deployment_history').set({ end_at: now }).where('deployment_id', '=', current.deploymentId).execute();
      const active = { stage: d.stage, model_version: d.modelVersion, deployment_id: id, activated_at: now };
      await db.kysely
        .insertInto('active_model')
        .values(active)
        .onConflict((oc) => oc.column('stage').doUpdateSet({ model_version: d.modelVersion, deployment_id: id, activated_at: now }))
        .execute();
    }
    return id;
  });
}

/** A stage's pin: automatic deployments leave its active model alone until `pipeline models unpin`. */
export interface StagePin {
  modelVersion: number;
  reason: string | null;
  pinnedAt: Date;
  deploymentId: number;
}

export async function stagePin(db: PipelineDb, stage: string): Promise<StagePin | null> {
  const p = await db.kysely.selectFrom('stage_pins').select(['model_version', 'reason', 'pinned_at', 'deployment_id']).where('stage', '=', stage).executeTakeFirst();
  return p ? { modelVersion: p.model_version, reason: p.reason, pinnedAt: p.pinned_at, deploymentId: p.deployment_id } : null;
}

/** The decision recorded instead of a deployment while the stage is pinned: the gate's verdict is kept as evidence. */
export function pinnedDecision(pin: StagePin, gate: GateDecision): GateDecision & { decision: string } {
  const why = pin.reason ? ` (${pin.reason})` : '';
  return {
    deploy: false,
    decision: 'blocked_by_pin',
    reason: `not deployed: stage pinned to v${pin.modelVersion}${why}; run pipeline models unpin to allow deployments (the gate said: ${gate.reason})`,
    evidence: { ...gate.evidence, gate_would_deploy: gate.deploy, pinned_to: pin.modelVersion, pin_reason: pin.reason },
  };
}

import type { Config } from '../config/load.ts';
import type { PipelineDb } from '../db/database.ts';
import { runSqlFile } from '../db/sql-runner.ts';
import type { RunContext, StepReport } from '../runs/run-log.ts';
import type { Metrics } from './model-evaluation.ts';

const STEP = 'model_deployment';

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
  const now = new Date().toISOString();
  return db.transaction(async () => {
    const current = await runSqlFile<{ model_version: number; deployment_id: number }>(db, STEP, 'current_deployment', { params: { stage: d.stage } });
    const [{ deployment_id: id }] = await runSqlFile<{ deployment_id: number }>(db, STEP, 'insert_history', {
      params: { run_id: d.runId, model_version: d.modelVersion, stage: d.stage, decision: d.decision, reason: d.reason, evidence: JSON.stringify(d.evidence), now, activates: d.activates },
    });
    if (d.activates) {
      if (current.length) await runSqlFile(db, STEP, 'end_previous', { params: { deployment_id: current[0].deployment_id, now } });
      await runSqlFile(db, STEP, 'set_active_model', { params: { stage: d.stage, model_version: d.modelVersion, deployment_id: id, now } });
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
  const [p] = await runSqlFile<{ model_version: number; reason: string | null; pinned_at: Date; deployment_id: number }>(db, STEP, 'stage_pin', { params: { stage } });
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

export interface DeploymentResult extends StepReport {
  deployed: boolean;
  reason: string;
  deploymentId: number;
}

/** model_deployment: the gate against the active model (unless the stage is pinned), and its record. */
export async function modelDeployment(ctx: RunContext, modelVersion: number, gate: GateInput): Promise<DeploymentResult> {
  const gated = gateDecision(gate, ctx.config.steps.model_deployment);
  // A pinned stage keeps its model: the gate still runs, its verdict is recorded, nothing is activated.
  const pin = await stagePin(ctx.db, ctx.stage);
  const decision = pin ? pinnedDecision(pin, gated) : { ...gated, decision: gated.deploy ? 'deployed' : 'rejected' };
  const deploymentId = await recordDeployment(ctx.db, {
    runId: ctx.runId,
    modelVersion,
    stage: ctx.stage,
    decision: decision.decision,
    reason: decision.reason,
    evidence: decision.evidence,
    activates: decision.deploy,
  });
  return { deployed: decision.deploy, reason: decision.reason, deploymentId, rowsOut: decision.deploy ? 1 : 0, message: decision.reason };
}

import { gateDecision, pinnedDecision, recordDeployment, stagePin, type GateInput } from '../registry/deploy.ts';
import type { RunContext, StepReport } from '../runs/run-log.ts';

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

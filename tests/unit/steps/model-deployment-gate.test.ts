import { expect } from 'chai';
import type { Config } from '../../../src/config/load.ts';
import { gateDecision } from '../../../src/registry/deploy.ts';
import type { Metrics } from '../../../src/steps/model-evaluation.ts';
import { configWith, defaultConfig } from '../../support/helpers.ts';

type GateCfg = Config['steps']['model_deployment'];

const metrics = (rmse: number, r2 = 0.99): Metrics => ({ rmse, mae: rmse * 0.8, mape: 5, r2, bias: 0.01 });

describe('steps: gateDecision (the deployment gate)', () => {
  // config.yaml: rmse_tolerance 0.05, min_r2 0.5, no max_rmse.
  const cfg: GateCfg = defaultConfig().steps.model_deployment;
  const gate = (nm: Metrics, am: Metrics | null, c: GateCfg = cfg) => gateDecision({ newMetrics: nm, activeMetrics: am, activeModelVersion: am ? 3 : null, stage: 'UAT' }, c);

  it('uses the project config: tolerance 5%, min R² 0.5', () => {
    expect(cfg.rmse_tolerance).to.equal(0.05);
    expect(cfg.min_r2).to.equal(0.5);
    expect(cfg.max_rmse).to.equal(undefined);
  });

  it('no active model: deploys, saying so, with the evidence', () => {
    const d = gate(metrics(2.0), null);
    expect(d.deploy).to.equal(true);
    expect(d.reason).to.equal('deployed: no active model on UAT');
    expect(d.evidence).to.deep.include({ new: metrics(2.0), active: null, active_model_version: null });
    expect(d.evidence.thresholds).to.deep.equal({ rmse_tolerance: 0.05, min_r2: 0.5, max_rmse: null });
  });

  it('within tolerance: new RMSE 2.09 vs active 2.00 (limit 2.10) deploys; so does an equal or better model', () => {
    const d = gate(metrics(2.09), metrics(2.0));
    expect(d.deploy).to.equal(true);
    expect(d.reason).to.equal("deployed: test RMSE 2.0900 is 4.5% worse than active v3's 2.0000 on the same rows, within the 5.0% tolerance (limit 2.1000)");
    expect(d.evidence.rmse_limit).to.be.closeTo(2.1, 1e-12);
    expect(d.evidence.active).to.deep.equal(metrics(2.0));
    expect(gate(metrics(2.0), metrics(2.0)).deploy).to.equal(true);
    expect(gate(metrics(1.5), metrics(2.0)).deploy).to.equal(true);
  });

  it('a better model is called better, by how much (not "within 5% of" the active one)', () => {
    const d = gate(metrics(1.2), metrics(2.0));
    expect(d.deploy).to.equal(true);
    expect(d.reason).to.equal("deployed: test RMSE 1.2000 is 40.0% better than active v3's 2.0000 on the same rows (limit 2.1000)");
    expect(d.evidence.rmse_change).to.be.closeTo(-0.4, 1e-12);
    expect(gate(metrics(2.0), metrics(2.0)).reason).to.equal("deployed: test RMSE 2.0000 matches active v3's 2.0000 on the same rows (difference 0.000%) (limit 2.1000)");
  });

  it('the limit itself passes, the next representable RMSE above it does not', () => {
    const limit = 2.0 * (1 + 0.05);
    expect(gate(metrics(limit), metrics(2.0)).deploy).to.equal(true);
    const above = limit * (1 + Number.EPSILON);
    expect(above).to.be.above(limit);
    expect(gate(metrics(above), metrics(2.0)).deploy).to.equal(false);
  });

  it('worse: new RMSE 2.20 vs active 2.00 is refused with the numbers', () => {
    const d = gate(metrics(2.2), metrics(2.0));
    expect(d.deploy).to.equal(false);
    expect(d.reason).to.equal("refused: test RMSE 2.2000 is worse than active v3's 2.0000 by more than 5.0% (limit 2.1000)");
    expect(d.evidence.rmse_limit).to.be.closeTo(2.1, 1e-12);
  });

  it('min_r2 is an absolute bound: refused below it even with no active model, or when better than the active one', () => {
    const alone = gate(metrics(2.0, 0.4), null);
    expect(alone.deploy).to.equal(false);
    expect(alone.reason).to.equal('refused: test R² 0.4000 is below the minimum 0.5');
    const better = gate(metrics(1.0, 0.49), metrics(2.0, 0.3));
    expect(better.deploy).to.equal(false);
    expect(better.reason).to.match(/below the minimum 0\.5/);
    expect(gate(metrics(2.0, 0.5), null).deploy, 'R² = min_r2 passes').to.equal(true);
    // A NaN R² (e.g. constant test target) is not ≥ 0.5.
    expect(gate(metrics(2.0, Number.NaN), null).deploy).to.equal(false);
  });

  it('without min_r2 a poor model can be the first one; max_rmse bounds RMSE; a non-finite RMSE is refused', () => {
    const noMin: GateCfg = configWith((raw) => delete raw.steps.model_deployment.min_r2).steps.model_deployment;
    expect(noMin.min_r2).to.equal(undefined);
    expect(gate(metrics(2.0, 0.1), null, noMin).deploy).to.equal(true);
    const maxRmse: GateCfg = configWith((raw) => (raw.steps.model_deployment.max_rmse = 3)).steps.model_deployment;
    const d = gate(metrics(3.5), null, maxRmse);
    expect(d.deploy).to.equal(false);
    expect(d.reason).to.equal('refused: test RMSE 3.5000 is above the maximum 3');
    expect(gate(metrics(3), null, maxRmse).deploy).to.equal(true);
    const nan = gate(metrics(Number.NaN), metrics(2.0), noMin);
    expect(nan.deploy).to.equal(false);
    expect(nan.reason).to.match(/not finite/);
  });

  it('rmse_tolerance 0: an equal RMSE deploys, any worse RMSE is refused', () => {
    const strict: GateCfg = { ...cfg, rmse_tolerance: 0 };
    expect(gate(metrics(2.0), metrics(2.0), strict).deploy).to.equal(true);
    expect(gate(metrics(2.0000001), metrics(2.0), strict).deploy).to.equal(false);
  });
});

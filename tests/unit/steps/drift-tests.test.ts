import { expect } from 'chai';
import type { Config } from '../../../src/config/load.ts';
import { chooseMethod, countsOutcome, numericOutcome, type NumericDistances } from '../../../src/steps/drift-tests.ts';
import { configWith, defaultConfig } from '../../support/helpers.ts';

type DriftCfg = Config['steps']['data_drift_detection'];

describe('steps: chooseMethod (size-aware drift test defaults)', () => {
  // config.yaml: small_reference_max 1000, p_value_threshold 0.05, distance_threshold 0.1.
  const cfg: DriftCfg = defaultConfig().steps.data_drift_detection;

  it('reference ≤ 1000 rows: KS for numerics and chi-square for categoricals at p < 0.05', () => {
    for (const n of [0, 30, 1000]) {
      expect(chooseMethod('numeric', n, cfg), `numeric n=${n}`).to.deep.equal({ method: 'ks', threshold: 0.05 });
      expect(chooseMethod('categorical', n, cfg), `categorical n=${n}`).to.deep.equal({ method: 'chi_square', threshold: 0.05 });
    }
  });

  it('larger references: normalised Wasserstein and Jensen–Shannon distance at 0.1', () => {
    for (const n of [1001, 100_000]) {
      expect(chooseMethod('numeric', n, cfg)).to.deep.equal({ method: 'wasserstein', threshold: 0.1 });
      expect(chooseMethod('categorical', n, cfg)).to.deep.equal({ method: 'jensen_shannon', threshold: 0.1 });
    }
  });

  it('follows the configured boundary and thresholds', () => {
    const c: DriftCfg = configWith((raw) => Object.assign(raw.steps.data_drift_detection, { small_reference_max: 50, p_value_threshold: 0.01, distance_threshold: 0.2 })).steps.data_drift_detection;
    expect(chooseMethod('numeric', 50, c)).to.deep.equal({ method: 'ks', threshold: 0.01 });
    expect(chooseMethod('numeric', 51, c)).to.deep.equal({ method: 'wasserstein', threshold: 0.2 });
    expect(chooseMethod('categorical', 50, c)).to.deep.equal({ method: 'chi_square', threshold: 0.01 });
    expect(chooseMethod('categorical', 51, c)).to.deep.equal({ method: 'jensen_shannon', threshold: 0.2 });
  });

  it('a per-feature override from config wins whatever the reference size', () => {
    const c: DriftCfg = configWith((raw) => (raw.steps.data_drift_detection.features = { temperature_c: { method: 'psi', threshold: 0.25 }, region: { method: 'chi_square', threshold: 0.001 } })).steps.data_drift_detection;
    const o = c.features as Record<string, { method: 'psi' | 'chi_square'; threshold: number }>;
    expect(chooseMethod('numeric', 50_000, c, o.temperature_c)).to.deep.equal({ method: 'psi', threshold: 0.25 });
    expect(chooseMethod('numeric', 10, c, o.temperature_c)).to.deep.equal({ method: 'psi', threshold: 0.25 });
    expect(chooseMethod('categorical', 50_000, c, o.region)).to.deep.equal({ method: 'chi_square', threshold: 0.001 });
    // Features without an override keep the default.
    expect(chooseMethod('numeric', 50_000, c, o.energy_mwh)).to.deep.equal({ method: 'wasserstein', threshold: 0.1 });
  });
});

describe('steps: drift outcomes from distances and counts', () => {
  const d = (over: Partial<NumericDistances>): NumericDistances => ({ n_ref: 5000, n_cur: 4000, ks_d: 0.05, wasserstein: 0.5, ref_std: 2, ref_mean: 10, cur_mean: 10.5, ...over });

  it('Wasserstein is divided by the reference sd and drifts at ≥ threshold', () => {
    const o = numericOutcome('wasserstein', 0.1, d({ wasserstein: 0.5, ref_std: 2 }));
    expect(o).to.deep.include({ method: 'wasserstein', statistic: 0.25, pValue: null, threshold: 0.1, drifted: true });
    expect(numericOutcome('wasserstein', 0.1, d({ wasserstein: 0.1, ref_std: 2 })).drifted).to.equal(false); // 0.05
    expect(numericOutcome('wasserstein', 0.25, d({ wasserstein: 0.5, ref_std: 2 })).drifted, 'at the threshold').to.equal(true);
  });

  it('a constant reference: no spread to normalise by — any movement drifts, none does not', () => {
    const moved = numericOutcome('wasserstein', 0.1, d({ wasserstein: 0.3, ref_std: 0 }));
    expect(moved).to.deep.include({ statistic: null, drifted: true });
    const still = numericOutcome('wasserstein', 0.1, d({ wasserstein: 0, ref_std: 0 }));
    expect(still).to.deep.include({ statistic: 0, drifted: false });
  });

  it('KS drifts when p < threshold (D = 0.05 with 5000 vs 4000 rows: p ≈ 3e-5)', () => {
    const o = numericOutcome('ks', 0.05, d({ ks_d: 0.05 }));
    expect(o.statistic).to.equal(0.05);
    expect(o.pValue!).to.be.below(1e-4);
    expect(o.drifted).to.equal(true);
    expect(numericOutcome('ks', 0.05, d({ ks_d: 0.01 })).drifted, 'D = 0.01: p ≈ 0.98').to.equal(false);
  });

  it('Jensen–Shannon of identical distributions is 0, of disjoint ones 1 (base 2)', () => {
    expect(countsOutcome('jensen_shannon', 0.1, ['a', 'b'], [10, 30], [20, 60])).to.deep.include({ statistic: 0, drifted: false });
    const far = countsOutcome('jensen_shannon', 0.1, ['a', 'b'], [10, 0], [0, 10]);
    expect(far.statistic).to.be.closeTo(1, 1e-12);
    expect(far.drifted).to.equal(true);
  });
});

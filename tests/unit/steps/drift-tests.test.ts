import { expect } from 'chai';
import type { Config } from '../../../src/config/load.ts';
import { ksPValue, ksStatistic } from '../../../src/stats/ks.ts';
import { jensenShannonDistance } from '../../../src/stats/jensen-shannon.ts';
import { chiSquareHomogeneity } from '../../../src/stats/chi-square.ts';
import { wasserstein1 } from '../../../src/stats/wasserstein.ts';
import { decideDatasetDrift, decideModelDrift, featureRoles, type FeatureRole } from '../../../src/steps/drift-decision.ts';
import {
  featureTestSettings,
  numericPsi,
  numericReference,
  numericSample,
  testCategoricalFeature,
  testNumericFeature,
  type CategoricalSample,
  type FeatureTest,
} from '../../../src/steps/drift-tests.ts';
import { configWith, defaultConfig } from '../../support/helpers.ts';
import { rng } from './rng.ts';

type DriftCfg = Config['steps']['data_drift_detection'];
const cfg: DriftCfg = defaultConfig().steps.data_drift_detection;
const settings = featureTestSettings(cfg);

const normals = (n: number, seed: number, shift = 0, sd = 1): number[] => {
  const r = rng(seed);
  return Array.from({ length: n }, () => shift + sd * r.normal());
};
const ref = (x: (number | null)[]) => numericReference(numericSample(x));
const cats = (counts: Record<string, number>, missing = 0): CategoricalSample => ({ counts: new Map(Object.entries(counts)), missing });

describe('steps: numeric feature test (KS p-value with a W/sd floor)', () => {
  it('stores KS D and its p-value exactly as ksStatistic/ksPValue, and W1 ÷ reference sd as the effect', () => {
    const a = normals(500, 1);
    const b = normals(40, 2, 0.3);
    const t = testNumericFeature('x', ref(a), numericSample(b), settings);
    expect(t.method).to.equal('ks');
    expect(t.statistic).to.equal(ksStatistic(a, b));
    expect(t.pValue).to.equal(ksPValue(ksStatistic(a, b), 500, 40, 'auto'));
    expect(t.pValueMethod).to.equal('exact');
    const sd = numericReference(numericSample(a)).std!;
    expect(t.effect).to.be.closeTo(wasserstein1(a, b) / sd, 1e-12);
    expect(t.effectMethod).to.equal('wasserstein');
  });

  it('a 10-row batch from the reference distribution is not drift, though its W/sd is far above 0.1 (what main called drift)', () => {
    const t = testNumericFeature('x', ref(normals(100_000, 3)), numericSample(normals(10, 4)), settings);
    expect(t.effect!, 'sampling noise of W/sd at n = 10').to.be.above(0.1);
    expect(t.pValue!).to.be.above(0.05);
    expect(t.drifted).to.equal(false);
  });

  it('a trivial shift on 100k rows is significant but below the practical floor: not drift', () => {
    const t = testNumericFeature('x', ref(normals(100_000, 5)), numericSample(normals(100_000, 6, 0.03)), settings);
    expect(t.pValue!).to.be.below(1e-6);
    expect(t.effect!).to.be.below(0.1);
    expect(t.drifted).to.equal(false);
  });

  it('a real shift is drift at 50 rows', () => {
    const t = testNumericFeature('x', ref(normals(100_000, 7)), numericSample(normals(50, 8, 1)), settings);
    expect(t).to.include({ distributionDrifted: true, drifted: true });
  });

  it('a constant reference: the statistic is KS D (never NULL) and an unchanged batch is not drift', () => {
    const same = testNumericFeature('c', ref(Array(1000).fill(5)), numericSample(Array(30).fill(5)), settings);
    expect(same).to.include({ statistic: 0, pValue: 1, effect: 0, drifted: false });
    const moved = testNumericFeature('c', ref(Array(1000).fill(5)), numericSample(Array.from({ length: 30 }, (_, i) => 5 + (i % 3))), settings);
    expect(moved.statistic).to.be.a('number');
    expect(moved.effect).to.be.a('number');
    expect(moved.drifted).to.equal(true);
  });

  it('an all-NULL feature in a batch is drift by its missing share (main stored a NULL statistic, n_ref 0, drifted false)', () => {
    const t = testNumericFeature('x', ref(normals(5000, 9)), numericSample(Array(40).fill(null)), settings);
    expect(t.statistic).to.equal(null);
    expect(t.nRef).to.equal(5000);
    expect(t.missing).to.include({ shareRef: 0, shareCur: 1 });
    expect(t.missing.pValue!).to.be.below(1e-50);
    expect(t.drifted).to.equal(true);
  });

  it('a jump of the missing share is drift; the same share is not', () => {
    const withNulls = (n: number, share: number, seed: number) => normals(n, seed).map((v, i) => (i < n * share ? null : v));
    expect(testNumericFeature('x', ref(withNulls(10_000, 0.05, 1)), numericSample(withNulls(400, 0.3, 2)), settings).missing.drifted).to.equal(true);
    expect(testNumericFeature('x', ref(withNulls(10_000, 0.05, 1)), numericSample(withNulls(400, 0.05, 2)), settings).missing.drifted).to.equal(false);
  });

  it('a wasserstein or psi override sets the effect measure and its floor; a ks override the p-value threshold', () => {
    const a = normals(2000, 10);
    const b = normals(300, 11, 0.4);
    const w = testNumericFeature('x', ref(a), numericSample(b), settings, { method: 'wasserstein', threshold: 0.5 });
    expect(w).to.include({ effectMethod: 'wasserstein', effectThreshold: 0.5, threshold: 0.05, drifted: false });
    const p = testNumericFeature('x', ref(a), numericSample(b), settings, { method: 'psi', threshold: 0.1 });
    expect(p.effectMethod).to.equal('psi');
    expect(p.effect).to.equal(numericPsi(numericSample(a).sorted, numericSample(b).sorted, cfg.psi_bins).psi);
    const k = testNumericFeature('x', ref(a), numericSample(b), settings, { method: 'ks', threshold: 1e-30 });
    expect(k).to.include({ threshold: 1e-30, drifted: false });
    expect(() => testNumericFeature('x', ref(a), numericSample(b), settings, { method: 'jensen_shannon', threshold: 0.1 })).to.throw(/does not apply to a numeric/);
  });
});

describe('steps: categorical feature test (chi-square, permutation p-value when sparse)', () => {
  it('large expected counts: the asymptotic chi-square, exactly as chiSquareHomogeneity; JS as the effect', () => {
    const r = { a: 4000, b: 3000, c: 3000 };
    const c = { a: 380, b: 330, c: 290 };
    const t = testCategoricalFeature('k', cats(r), cats(c), settings);
    const chi = chiSquareHomogeneity([4000, 3000, 3000], [380, 330, 290]);
    expect(t).to.include({ method: 'chi_square', pValueMethod: 'asymptotic', statistic: chi.statistic, pValue: chi.pValue });
    expect(t.effect).to.equal(jensenShannonDistance([4000, 3000, 3000], [380, 330, 290]));
  });

  it('a 10-row batch over 20 levels uses the permutation p-value and is not drift when it matches the reference', () => {
    const levels = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`L${i}`, 5000]));
    const t = testCategoricalFeature('region', cats(levels), cats({ L1: 1, L3: 1, L4: 1, L7: 1, L9: 2, L12: 1, L15: 1, L18: 2 }), settings);
    expect(t.pValueMethod).to.equal('permutation');
    expect(t.effect!, 'JS of a 10-row batch is large by chance').to.be.above(0.1);
    expect(t.pValue!).to.be.above(0.05);
    expect(t.drifted).to.equal(false);
    // deterministic
    expect(testCategoricalFeature('region', cats(levels), cats({ L1: 1, L3: 1, L4: 1, L7: 1, L9: 2, L12: 1, L15: 1, L18: 2 }), settings).pValue).to.equal(t.pValue);
  });

  it('a chi-square or jensen_shannon override fits a categorical; ks/wasserstein do not', () => {
    expect(() => testCategoricalFeature('k', cats({ a: 1 }), cats({ a: 1 }), settings, { method: 'ks', threshold: 0.05 })).to.throw(/does not apply to a categorical/);
    expect(() => testCategoricalFeature('k', cats({ a: 1 }), cats({ a: 1 }), settings, { method: 'wasserstein', threshold: 0.1 })).to.throw(/does not apply to a categorical/);
  });
});

const role = (importance: number, used = true, inShare = used): FeatureRole => ({ used, inShare, importance });
const fake = (feature: string, p: number, effect = 1, drifted = p < 0.05): FeatureTest => ({
  feature,
  kind: 'numeric',
  method: 'ks',
  statistic: 0.5,
  pValue: p,
  pValueMethod: 'asymptotic',
  threshold: 0.05,
  effectMethod: 'wasserstein',
  effect,
  effectThreshold: 0.1,
  nRef: 1000,
  nCur: 1000,
  missing: { missingRef: 0, missingCur: 0, shareRef: 0, shareCur: 0, pValue: null, drifted: false },
  distributionDrifted: drifted && effect >= 0.1,
  drifted: drifted && effect >= 0.1,
  detail: {},
});

describe('steps: dataset decision', () => {
  it('one strongly drifted important feature is dataset drift on its own (main: 1 of 7 < share 0.5, no drift)', () => {
    const tests = [fake('coal', 1e-12), ...['a', 'b', 'c', 'd', 'e', 'f'].map((f) => fake(f, 0.6))];
    const roles = new Map<string, FeatureRole>([['coal', role(0.45)], ...['a', 'b', 'c', 'd', 'e', 'f'].map((f) => [f, role(0.09)] as [string, FeatureRole])]);
    const d = decideDatasetDrift(tests, roles, 500, cfg);
    expect(d).to.include({ drifted: true, rule: 'important_feature', nDrifted: 1, nInShare: 7 });
    expect(d.reason).to.match(/coal carries 45% of the prediction's spread/);
  });

  it('features the model does not use are stored but do not count', () => {
    const tests = [fake('x', 1e-12), fake('dropped1', 1e-12), fake('dropped2', 1e-12), fake('y', 0.5)];
    const roles = new Map<string, FeatureRole>([['x', role(0.1)], ['y', role(0.1)], ['dropped1', role(0, false)], ['dropped2', role(0, false)]]);
    const d = decideDatasetDrift(tests, roles, 500, cfg);
    expect(d.features.find((f) => f.feature === 'dropped1')).to.include({ drifted: true, counted: false, pValueAdjusted: null });
    expect(d).to.include({ nInShare: 2, nDrifted: 1, share: 0.5, drifted: true, rule: 'share' });
  });

  it('Holm at half the level: a lone p = 0.03 among 8 features is a feature flag, not a counted drift', () => {
    const tests = [fake('x', 0.03), ...['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((f) => fake(f, 0.7))];
    const roles = new Map(tests.map((t) => [t.feature, role(t.feature === 'x' ? 0.5 : 0.07)]));
    const d = decideDatasetDrift(tests, roles, 500, cfg);
    const x = d.features.find((f) => f.feature === 'x')!;
    expect(x).to.include({ drifted: true, counted: false });
    expect(x.pValueAdjusted).to.be.closeTo(0.24, 1e-12);
    expect(d).to.include({ drifted: false, rule: 'none' });
    expect(d.reason).to.match(/flagged by their own test at p < 0.05 but not significant after adjustment/);
  });

  it('below min_batch_rows: too few rows to judge, whatever the tests say', () => {
    const tests = [fake('x', 1e-30)];
    const d = decideDatasetDrift(tests, new Map([['x', role(1)]]), cfg.min_batch_rows - 1, cfg);
    expect(d).to.include({ drifted: false, rule: 'too_few_rows', nDrifted: 0 });
    expect(d.features[0]).to.include({ drifted: true, counted: false });
    expect(d.reason).to.match(/min_batch_rows/);
  });

  it('a balanced categorical (panel entity) and an unused feature are left out of the share; importance is |b|·sd/scale', () => {
    const roles = featureRoles(
      { designColumns: ['coal', 'gdp', 'dead', 'country=B', 'country=C'], coefficients: [2, 1, 0, 3, -3], numericScale: new Map([['coal', 2], ['gdp', 1], ['dead', 1]]) },
      { numericStd: new Map([['coal', 4], ['gdp', 1], ['dead', 3]]), levelCounts: new Map([['country', new Map([['A', 10], ['B', 10], ['C', 10]])]]) },
      ['coal', 'gdp', 'dead'],
      ['country'],
    );
    // contributions: coal 2·4/2 = 4, gdp 1, dead 0, country sd of (0, 3, −3) with equal shares = sqrt(6)
    const total = 4 + 1 + Math.sqrt(6);
    expect(roles.get('coal')!.importance).to.be.closeTo(4 / total, 1e-12);
    expect(roles.get('country')).to.deep.include({ used: true, inShare: false });
    expect(roles.get('country')!.importance).to.be.closeTo(Math.sqrt(6) / total, 1e-12);
    expect(roles.get('dead')).to.deep.include({ used: false, inShare: false, importance: 0 });
  });

  it("a missing indicator gets no role of its own: its share of the prediction is its feature's, and it makes the feature used", () => {
    const roles = featureRoles(
      { designColumns: ['gdp', 'gdp__missing', 'ren', 'ren__missing'], coefficients: [1, 6, 0, 2], numericScale: new Map([['gdp', 1], ['gdp__missing', 0.3], ['ren', 1], ['ren__missing', 0.5]]) },
      { numericStd: new Map([['gdp', 2], ['gdp__missing', 0.3], ['ren', 1], ['ren__missing', 0.5]]), levelCounts: new Map() },
      ['gdp', 'gdp__missing', 'ren', 'ren__missing'],
      [],
      new Map([['gdp__missing', 'gdp'], ['ren__missing', 'ren']]),
    );
    // contributions: gdp 2, gdp__missing 6, ren 0, ren__missing 2 (total 10)
    expect([...roles.keys()]).to.deep.equal(['gdp', 'ren']);
    expect(roles.get('gdp')!.importance).to.be.closeTo(0.8, 1e-12);
    expect(roles.get('ren')).to.deep.include({ used: true, inShare: true });
    expect(roles.get('ren')!.importance).to.be.closeTo(0.2, 1e-12);
  });
});

describe('steps: model decision', () => {
  const dataCfg = cfg;
  const modelCfg = defaultConfig().steps.model_drift_detection;
  const evalRef = ref(normals(5000, 20));

  it('the error test holds its share of the level with its n: RMSE ratio 1.4 on 10 labelled rows is not judged, on 2000 it is drift', () => {
    const small = decideModelDrift(evalRef, numericSample(normals(10, 21)), { n: 10, mse: 1.96 * 4 }, { n: 7000, mse: 4, kurtosis: 3 }, dataCfg, modelCfg);
    expect(small.rule).to.equal('too_few_rows');
    expect(small.drifted).to.equal(false);
    const big = decideModelDrift(evalRef, numericSample(normals(2000, 22)), { n: 2000, mse: 1.96 * 4 }, { n: 7000, mse: 4, kurtosis: 3 }, dataCfg, modelCfg);
    const e = big.tests.find((t) => t.test === 'rmse_ratio')!;
    expect(e).to.include({ method: 'f_test', judged: true, drifted: true, threshold: 0.0125 });
    expect(e.statistic).to.be.closeTo(1.4, 1e-12);
    expect(big.rule).to.equal('rmse_ratio');
    expect(big.reason).to.match(/batch RMSE 2\.800 ÷ evaluation RMSE 2\.000 = 1\.400, lower 98\.75% bound 1\.3\d+ > tolerance 1\.25/);
    expect(big.reason).to.not.match(/model drift: model drift|rmse_ratio rmse_ratio/);
  });

  it('without labels the prediction test holds the whole model level (α/2)', () => {
    const d = decideModelDrift(evalRef, numericSample(normals(500, 23)), null, { n: 7000, mse: 4, kurtosis: 3 }, dataCfg, modelCfg);
    expect(d.tests.map((t) => t.test)).to.deep.equal(['prediction_distribution']);
    expect(d.tests[0].threshold).to.equal(0.025);
    expect(d.tests[0].summary).to.match(/^prediction_distribution: KS D 0\.\d+: p \S+ ≥ 0\.025, W\/sd 0\.\d+ [<≥] 0\.1$/);
  });
});

describe('config: per-feature drift overrides must fit the feature', () => {
  it('jensen_shannon on a numeric and ks on a categorical are config errors naming the key, all at once', () => {
    let err: { details?: string[] } | undefined;
    try {
      configWith((raw) => {
        raw.steps.data_drift_detection.features = { temperature_c: { method: 'jensen_shannon', threshold: 0.1 }, region: { method: 'ks', threshold: 0.05 }, sector: { method: 'chi_square', threshold: 0.01 } };
        raw.steps.model_drift_detection.method = 'chi_square';
      });
    } catch (e) {
      err = e as { details?: string[] };
    }
    expect(err, 'config error').to.not.equal(undefined);
    const text = (err!.details ?? []).join('\n');
    expect(text).to.match(/steps\.data_drift_detection\.features\.temperature_c\.method: jensen_shannon does not fit numeric feature 'temperature_c'/);
    expect(text).to.match(/steps\.data_drift_detection\.features\.region\.method: ks does not fit categorical feature 'region'/);
    expect(text).to.match(/steps\.model_drift_detection\.method: chi_square does not fit the prediction \(numeric\)/);
    expect(text).to.not.match(/sector/);
  });
});

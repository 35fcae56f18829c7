/**
 * The drift decisions, as pure functions of the feature tests: which features count, how much of the model's
 * prediction each carries, the dataset-level rule with its multiple-testing control, and the model-drift
 * decision. The pipeline steps and the drift simulation (bench/drift-sim.ts) call exactly these.
 *
 * Levels: a prediction run can retrain on data drift or on model drift, so the configured false-alarm level α
 * (steps.data_drift_detection.p_value_threshold) is split: α/2 for the data decision, α/2 for the model decision
 * (α/4 each for the prediction distribution and the labelled error when both are judged). By the union bound the
 * retrain decision raises a false alarm at most at rate α on batches without drift, whatever their size.
 */
import type { Config } from '../config/load.ts';
import { errorRatioTest, type ErrorRatioResult } from '../stats/error-ratio.ts';
import { holmAdjust } from '../stats/holm.ts';
import { describeTest, featureTestSettings, formatP, testNumericFeature, type DriftMethod, type FeatureTest, type NumericReference, type NumericSample } from './drift-tests.ts';

type DataCfg = Config['steps']['data_drift_detection'];
type ModelCfg = Config['steps']['model_drift_detection'];

/** What the model does with a feature: whether it counts for the dataset decision, and its share of the prediction. */
export interface FeatureRole {
  /** The model has a non-zero coefficient for it. */
  used: boolean;
  /** Counts in the share rule (used, and not a categorical balanced by design such as a panel's entity). */
  inShare: boolean;
  /** Share of the spread of the model's prediction it carries: sd of its contribution ÷ Σ over all features. */
  importance: number;
  /** Why it does not count, if it does not. */
  note?: string;
}

/** The model's coefficients and scaling, as far as importance needs them. */
export interface ModelShape {
  designColumns: readonly string[];
  coefficients: readonly number[];
  /** numeric feature → the scale divisor its design column was built with (1 without scaling). */
  numericScale: ReadonlyMap<string, number>;
}

/** What the reference sample says about each feature's spread. */
export interface ReferenceSpread {
  /** numeric feature → sd of its raw values in the reference sample (null if not computable). */
  numericStd: ReadonlyMap<string, number | null>;
  /** categorical feature → rows per level in the reference sample. */
  levelCounts: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

/**
 * Each feature's share of the prediction's spread: the sd of its term in the prediction over the reference rows —
 * |coefficient| × sd(x) ÷ scale for a numeric feature, the sd of its level coefficients (weighted by the reference's
 * level shares) for a categorical — divided by the sum over all features (calendar terms included).
 * `partOf` maps a design feature that belongs to another (a missing indicator → its feature) to that feature: its
 * share is added to the feature's, it makes the feature "used", and it gets no role of its own.
 */
export function featureRoles(model: ModelShape, spread: ReferenceSpread, numerics: readonly string[], categoricals: readonly string[], partOf: ReadonlyMap<string, string> = new Map()): Map<string, FeatureRole> {
  const coef = new Map(model.designColumns.map((c, i) => [c, model.coefficients[i]]));
  const contribution = new Map<string, number>();
  const used = new Map<string, boolean>();
  for (const f of numerics) {
    const b = coef.get(f) ?? 0;
    used.set(f, b !== 0);
    const sd = spread.numericStd.get(f) ?? 0;
    contribution.set(f, Math.abs(b) * (sd ?? 0) / (model.numericScale.get(f) || 1));
  }
  for (const f of categoricals) {
    const prefix = `${f}=`;
    const levelCoef = new Map(model.designColumns.filter((c) => c.startsWith(prefix)).map((c) => [c.slice(prefix.length), coef.get(c) ?? 0]));
    used.set(f, [...levelCoef.values()].some((b) => b !== 0));
    const counts = spread.levelCounts.get(f) ?? new Map<string, number>();
    const n = [...counts.values()].reduce((a, b) => a + b, 0);
    let m1 = 0;
    let m2 = 0;
    for (const [level, c] of counts) {
      const b = levelCoef.get(level) ?? 0;
      m1 += (c / n) * b;
      m2 += (c / n) * b * b;
    }
    contribution.set(f, n > 0 ? Math.sqrt(Math.max(0, m2 - m1 * m1)) : 0);
  }
  const total = [...contribution.values()].reduce((a, b) => a + b, 0);
  for (const [part, owner] of partOf) {
    if (!contribution.has(part) || !contribution.has(owner)) continue;
    contribution.set(owner, (contribution.get(owner) ?? 0) + (contribution.get(part) ?? 0));
    used.set(owner, (used.get(owner) ?? false) || (used.get(part) ?? false));
  }
  const roles = new Map<string, FeatureRole>();
  for (const f of [...numerics, ...categoricals]) {
    if (partOf.has(f) && contribution.has(partOf.get(f) as string)) continue;
    const isUsed = used.get(f) ?? false;
    const counts = [...(spread.levelCounts.get(f)?.values() ?? [])];
    const balanced = categoricals.includes(f) && counts.length >= 2 && counts.every((c) => c === counts[0]);
    roles.set(f, {
      used: isUsed,
      inShare: isUsed && !balanced,
      importance: total > 0 ? (contribution.get(f) ?? 0) / total : 0,
      note: !isUsed ? 'not used by the model (all its coefficients are 0)' : balanced ? 'balanced by design (every level equally often in the reference): not counted in the share' : undefined,
    });
  }
  return roles;
}

/** A feature test with what the dataset decision made of it. */
export interface JudgedFeature extends FeatureTest {
  role: FeatureRole;
  /** Holm-adjusted p-values over the family of the used features' tests (null when not in the family). */
  pValueAdjusted: number | null;
  missingPValueAdjusted: number | null;
  /** Drifted at the dataset decision's level (after the adjustment). */
  counted: boolean;
  /** 'distribution', 'missing_share', both joined by '+', or null. */
  signal: string | null;
}

export type DataRule = 'too_few_rows' | 'important_feature' | 'share' | 'important_feature+share' | 'none';

export interface DatasetDecision {
  drifted: boolean;
  rule: DataRule;
  /** The family-wise level of the decision (α/2). */
  level: number;
  features: JudgedFeature[];
  /** Features in the share rule, and how many of them drifted at the decision's level. */
  nInShare: number;
  nDrifted: number;
  share: number;
  important: string[];
  reason: string;
}

/** The level of the data decision and of the model decision: half the configured false-alarm level each. */
export const decisionLevel = (cfg: DataCfg): number => cfg.p_value_threshold / 2;

/**
 * The dataset decision. Only features the model uses are judged. Their distribution and missing-share tests form
 * one family, adjusted with Holm's method at level α/2, so on a batch without drift the chance that any feature is
 * counted as drifted is at most α/2 whatever the dependence between features. Then:
 * - important_feature: a counted feature that carries at least `important_feature_share` of the prediction's spread;
 * - share: at least `dataset_drift_share` of the features in the share rule are counted as drifted.
 * Below `min_batch_rows` rows nothing is judged ("too few rows").
 */
export function decideDatasetDrift(tests: readonly FeatureTest[], roles: ReadonlyMap<string, FeatureRole>, batchRows: number, cfg: DataCfg): DatasetDecision {
  const level = decisionLevel(cfg);
  const roleOf = (f: string): FeatureRole => roles.get(f) ?? { used: false, inShare: false, importance: 0, note: 'not a model feature' };
  // The family: every p-value of a used feature that can be small (a missing-share test with no missing value anywhere cannot).
  const family: { feature: string; which: 'value' | 'missing'; p: number }[] = [];
  for (const t of tests) {
    if (!roleOf(t.feature).used) continue;
    if (t.pValue !== null) family.push({ feature: t.feature, which: 'value', p: t.pValue });
    if (t.missing.pValue !== null) family.push({ feature: t.feature, which: 'missing', p: t.missing.pValue });
  }
  const adjusted = holmAdjust(family.map((x) => x.p));
  const adj = (f: string, which: 'value' | 'missing'): number | null => {
    const i = family.findIndex((x) => x.feature === f && x.which === which);
    return i < 0 ? null : adjusted[i];
  };
  const features: JudgedFeature[] = tests.map((t) => {
    const role = roleOf(t.feature);
    const pValueAdjusted = adj(t.feature, 'value');
    const missingPValueAdjusted = adj(t.feature, 'missing');
    const byValue = role.used && t.distributionDrifted && pValueAdjusted !== null && pValueAdjusted < level;
    const byMissing = role.used && t.missing.drifted && missingPValueAdjusted !== null && missingPValueAdjusted < level;
    const signals = [t.distributionDrifted ? 'distribution' : null, t.missing.drifted ? 'missing_share' : null].filter((s) => s !== null);
    return { ...t, role, pValueAdjusted, missingPValueAdjusted, counted: byValue || byMissing, signal: signals.length ? signals.join('+') : null };
  });
  const inShare = features.filter((f) => f.role.inShare);
  const nDrifted = inShare.filter((f) => f.counted).length;
  const share = inShare.length ? nDrifted / inShare.length : 0;
  const important = features.filter((f) => f.counted && f.role.importance >= cfg.important_feature_share).map((f) => f.feature);
  const flagged = features.filter((f) => f.drifted).map((f) => f.feature);
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  if (batchRows < cfg.min_batch_rows) {
    // Nothing is judged: the tests are stored as evidence, none counts.
    return {
      drifted: false,
      rule: 'too_few_rows',
      level,
      features: features.map((f) => ({ ...f, counted: false })),
      nInShare: inShare.length,
      nDrifted: 0,
      share: 0,
      important: [],
      reason: `too few rows to judge data drift: the batch has ${batchRows} rows, fewer than steps.data_drift_detection.min_batch_rows (${cfg.min_batch_rows}); no retraining`,
    };
  }
  const byShare = inShare.length > 0 && share >= cfg.dataset_drift_share;
  const rule: DataRule = important.length && byShare ? 'important_feature+share' : important.length ? 'important_feature' : byShare ? 'share' : 'none';
  const shareText = `${nDrifted} of ${inShare.length} features the model uses drifted at the decision level ${level} (Holm over ${family.length} tests; share ${share.toFixed(2)} ${byShare ? '≥' : '<'} ${cfg.dataset_drift_share})`;
  const importantText = important
    .map((f) => {
      const x = features.find((y) => y.feature === f)!;
      return `${f} carries ${pct(x.role.importance)} of the prediction's spread (≥ ${pct(cfg.important_feature_share)}) and drifted: ${describeTest(x)}, adjusted p ${formatP(x.pValueAdjusted ?? x.missingPValueAdjusted ?? 1)} < ${level}`;
    })
    .join('; ');
  const unconfirmed = flagged.filter((f) => !features.find((y) => y.feature === f)!.counted);
  const flagText = unconfirmed.length ? `; flagged by their own test at p < ${cfg.p_value_threshold} but not significant after adjustment (or not used by the model): ${unconfirmed.join(', ')}` : '';
  const reason =
    rule === 'none'
      ? `no dataset drift: ${shareText}${flagText}`
      : `dataset drift (${rule}): ${[important.length ? importantText : null, byShare ? shareText : null].filter(Boolean).join('; ')}`;
  return { drifted: rule !== 'none', rule, level, features, nInShare: inShare.length, nDrifted, share, important, reason };
}

/** One model-drift test, as stored in model_drift_results. */
export interface ModelTest {
  test: 'prediction_distribution' | 'rmse_ratio';
  method: string;
  statistic: number | null;
  pValue: number | null;
  /** The p-value threshold the test is held to (its share of the level). */
  threshold: number;
  effectMethod: string | null;
  effect: number | null;
  effectThreshold: number | null;
  nRef: number;
  nCur: number;
  /** Whether there were enough rows to judge. */
  judged: boolean;
  drifted: boolean;
  detail: Record<string, unknown>;
  /** What is compared with what, for the log and the decision's reason. */
  summary: string;
}

/** The labelled error of a batch and of the model's evaluation rows. */
export interface ErrorSample {
  n: number;
  mse: number;
}

/** The labelled-error test's result, with whether the tolerance was exceeded at the level and what was compared. */
export interface LabelledErrorTest extends ErrorRatioResult {
  /** p < level: the lower (1 − level) bound of the RMSE ratio exceeds the tolerance. */
  exceeded: boolean;
  /** "batch RMSE … ÷ evaluation RMSE … = ratio, lower …% bound … > tolerance … (F p … < level)". */
  text: string;
}

/**
 * The one test of a model's labelled error on a batch against its evaluation error: H0 "batch RMSE ≤ tolerance ×
 * evaluation RMSE", the error-ratio F test with both n and the evaluation errors' kurtosis (stats/error-ratio.ts).
 * Model drift's `rmse_ratio` uses it, and so does the check of the model that serves a labelled batch
 * (batch-evaluation.ts).
 */
export function labelledErrorTest(batch: ErrorSample, evaluation: ErrorSample & { kurtosis: number | null }, tolerance: number, level: number): LabelledErrorTest {
  const e = errorRatioTest({ batchMse: batch.mse, nBatch: batch.n, referenceMse: evaluation.mse, nReference: evaluation.n, tolerance, level, kurtosis: evaluation.kurtosis });
  const exceeded = e.pValue < level;
  const text = `batch RMSE ${Math.sqrt(batch.mse).toPrecision(4)} ÷ evaluation RMSE ${Math.sqrt(evaluation.mse).toPrecision(4)} = ${e.rmseRatio.toFixed(3)}, lower ${(100 * (1 - level)).toFixed(2)}% bound ${e.lowerBound.toFixed(3)} ${e.lowerBound > tolerance ? '>' : '≤'} tolerance ${tolerance} (F p ${formatP(e.pValue)} ${exceeded ? '<' : '≥'} ${level})`;
  return { ...e, exceeded, text };
}

export interface ModelDecision {
  drifted: boolean;
  rule: 'too_few_rows' | 'prediction_distribution' | 'rmse_ratio' | 'prediction_distribution+rmse_ratio' | 'none';
  level: number;
  tests: ModelTest[];
  reason: string;
}

/**
 * The model-drift decision: the batch's prediction distribution against the evaluation predictions (KS with the
 * W/sd floor, as for a numeric feature) and, where at least `min_labelled_rows` rows have actuals, the error-ratio
 * F test of "batch RMSE ≤ tolerance × evaluation RMSE". The model decision's level (α/2) is split between the tests
 * judged.
 */
export function decideModelDrift(
  evalPredictions: NumericReference,
  batchPredictions: NumericSample,
  batchError: ErrorSample | null,
  evalError: (ErrorSample & { kurtosis: number | null }) | null,
  dataCfg: DataCfg,
  cfg: ModelCfg,
): ModelDecision {
  const level = decisionLevel(dataCfg);
  const nRows = batchPredictions.sorted.length + batchPredictions.missing;
  const predictionJudged = nRows >= dataCfg.min_batch_rows;
  const errorJudged = batchError !== null && evalError !== null && evalError.mse > 0 && batchError.n >= cfg.min_labelled_rows;
  const share = predictionJudged && errorJudged ? level / 2 : level;
  const tests: ModelTest[] = [];
  const settings = featureTestSettings(dataCfg);
  const override = cfg.method ? { method: cfg.method as DriftMethod, threshold: cfg.threshold ?? (cfg.method === 'ks' ? share : dataCfg.distance_threshold) } : undefined;
  const p = testNumericFeature('prediction', evalPredictions, batchPredictions, settings, override);
  // The test is held to its share of the level; an override can make it stricter, never looser.
  const threshold = Math.min(p.threshold, share);
  const pDrifted = predictionJudged && p.pValue !== null && p.pValue < threshold && p.effect !== null && p.effect >= p.effectThreshold;
  const pText = describeTest({ ...p, threshold });
  tests.push({
    test: 'prediction_distribution',
    method: p.method,
    statistic: p.statistic,
    pValue: p.pValue,
    threshold,
    effectMethod: p.effectMethod,
    effect: p.effect,
    effectThreshold: p.effectThreshold,
    nRef: p.nRef,
    nCur: p.nCur,
    judged: predictionJudged,
    drifted: pDrifted,
    detail: { ...p.detail, p_value_method: p.pValueMethod, judged: predictionJudged },
    summary: predictionJudged ? `prediction_distribution: ${pText}` : `prediction_distribution: not judged (${nRows} rows < min_batch_rows ${dataCfg.min_batch_rows}; ${pText})`,
  });
  if (batchError !== null && batchError.n > 0 && evalError !== null && evalError.mse > 0) {
    const e = labelledErrorTest(batchError, evalError, cfg.rmse_ratio_threshold, share);
    const drifted = errorJudged && e.exceeded;
    const what = e.text;
    tests.push({
      test: 'rmse_ratio',
      method: 'f_test',
      statistic: e.rmseRatio,
      pValue: e.pValue,
      threshold: share,
      effectMethod: null,
      effect: null,
      effectThreshold: cfg.rmse_ratio_threshold,
      nRef: evalError.n,
      nCur: batchError.n,
      judged: errorJudged,
      drifted,
      detail: { batch_rmse: Math.sqrt(batchError.mse), evaluation_rmse: Math.sqrt(evalError.mse), f_statistic: e.statistic, dof: [e.dof1, e.dof2], kurtosis: evalError.kurtosis, lower_bound: e.lowerBound, tolerance: cfg.rmse_ratio_threshold, judged: errorJudged },
      summary: errorJudged ? `rmse_ratio: ${what}` : `rmse_ratio: not judged (${batchError.n} labelled rows < min_labelled_rows ${cfg.min_labelled_rows}; ${what})`,
    });
  }
  const fired = tests.filter((t) => t.drifted).map((t) => t.test);
  const anyJudged = tests.some((t) => t.judged);
  const rule: ModelDecision['rule'] = !anyJudged ? 'too_few_rows' : fired.length === 2 ? 'prediction_distribution+rmse_ratio' : fired.length === 1 ? fired[0] : 'none';
  const body = tests.map((t) => t.summary).join('; ');
  const reason = rule === 'too_few_rows' ? `too few rows to judge model drift: ${body}; no retraining` : `${fired.length ? `model drift (${rule})` : 'no model drift'}: ${body}`;
  return { drifted: fired.length > 0, rule, level, tests, reason };
}

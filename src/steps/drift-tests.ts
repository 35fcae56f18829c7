/**
 * One feature's drift test, as a pure function of its two samples: a significance test whose p-value is valid at
 * every sample size (KS for numerics, chi-square or its permutation version for categoricals), a practical effect
 * size that must also be large enough (normalised Wasserstein, Jensen–Shannon or PSI), and a test of the missing
 * share. The data-drift step, the model-drift step and the drift simulation (bench/drift-sim.ts) all call these.
 */
import { DRIFT_METHODS_FOR_KIND } from '../config/drift-overrides.ts';
import type { Config } from '../config/load.ts';
import { chiSquareHomogeneity } from '../stats/chi-square.ts';
import { fisherExactGreater } from '../stats/fisher.ts';
import { jensenShannonDistance } from '../stats/jensen-shannon.ts';
import { ksPValue } from '../stats/ks.ts';
import { chiSquarePermutationTest } from '../stats/permutation.ts';
import { populationStabilityIndex } from '../stats/psi.ts';
import { hashString } from '../stats/rng.ts';
import { sortedSampleDistances } from '../stats/sorted-distances.ts';

export type DriftMethod = 'ks' | 'chi_square' | 'wasserstein' | 'jensen_shannon' | 'psi';
export type EffectMethod = 'wasserstein' | 'jensen_shannon' | 'psi';
export type FeatureKind = 'numeric' | 'categorical';
type DriftConfig = Config['steps']['data_drift_detection'];

/** The methods that fit each kind of feature (a per-feature override outside these is a config error). */
const METHODS_FOR_KIND: Record<FeatureKind, readonly DriftMethod[]> = DRIFT_METHODS_FOR_KIND;

/** What a feature test needs from the config. */
export interface FeatureTestSettings {
  /** p-value threshold of a feature's own test (its drift flag); the dataset decision adjusts further. */
  pValueThreshold: number;
  /** The practical floor of the default effect sizes (W/sd for numerics, Jensen–Shannon for categoricals). */
  effectThreshold: number;
  /** Smallest rise of the missing share (batch − reference) that counts as drift. */
  missingShareIncrease: number;
  permutations: number;
  psiBins: number;
}

export function featureTestSettings(cfg: DriftConfig): FeatureTestSettings {
  return {
    pValueThreshold: cfg.p_value_threshold,
    effectThreshold: cfg.distance_threshold,
    missingShareIncrease: cfg.missing_share_increase,
    permutations: cfg.permutations,
    psiBins: cfg.psi_bins,
  };
}

/** A numeric sample: its finite values sorted ascending, and how many values were missing (NULL or not finite). */
export interface NumericSample {
  sorted: Float64Array;
  missing: number;
}

/** A numeric reference sample, with the moments the effect size is normalised by. */
export interface NumericReference extends NumericSample {
  mean: number | null;
  std: number | null;
}

/** A categorical sample: rows per level, and rows without a level. */
export interface CategoricalSample {
  counts: Map<string, number>;
  missing: number;
}

/** Missing values of a column (NULL, NaN, ±∞) counted, the rest sorted. */
export function numericSample(column: ArrayLike<unknown>): NumericSample {
  const out = new Float64Array(column.length);
  let n = 0;
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (typeof v === 'number' && Number.isFinite(v)) out[n++] = v;
  }
  return { sorted: out.slice(0, n).sort(), missing: column.length - n };
}

/** Sum in a fixed order (bit-identical run to run), with the mean and the sample standard deviation. */
export function meanAndStd(x: ArrayLike<number>): { mean: number | null; std: number | null } {
  if (x.length === 0) return { mean: null, std: null };
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i];
  const mean = sum / x.length;
  if (x.length < 2) return { mean, std: null };
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i] - mean) * (x[i] - mean);
  return { mean, std: Math.sqrt(ss / (x.length - 1)) };
}

export function numericReference(s: NumericSample): NumericReference {
  return { ...s, ...meanAndStd(s.sorted) };
}

/** The missing-share comparison of one feature. */
export interface MissingShareTest {
  missingRef: number;
  missingCur: number;
  shareRef: number;
  shareCur: number;
  /** One-sided Fisher exact p-value that the batch's missing share is higher; null when neither sample has a missing value. */
  pValue: number | null;
  drifted: boolean;
}

/** One feature's outcome, as stored in data_drift_results (and, for the prediction test, model_drift_results). */
export interface FeatureTest {
  feature: string;
  kind: FeatureKind;
  /** The significance test of the distribution (of the non-missing values). */
  method: 'ks' | 'chi_square';
  /** KS D, or the chi-square statistic; null when a sample has no non-missing value. */
  statistic: number | null;
  pValue: number | null;
  /** How the p-value was computed: exact, asymptotic or permutation. */
  pValueMethod: 'exact' | 'asymptotic' | 'permutation' | null;
  /** The p-value threshold of the feature's own flag. */
  threshold: number;
  effectMethod: EffectMethod;
  effect: number | null;
  effectThreshold: number;
  /** Non-missing values compared. */
  nRef: number;
  nCur: number;
  missing: MissingShareTest;
  /** Whether the distribution test drifted (p below threshold and effect at or above its floor). */
  distributionDrifted: boolean;
  /** The feature's own flag: its distribution or its missing share drifted. */
  drifted: boolean;
  detail: Record<string, unknown>;
}

/** The method a per-feature override sets, split into what it means: a p-value threshold, or an effect measure and floor. */
function resolve(kind: FeatureKind, s: FeatureTestSettings, override?: { method: DriftMethod; threshold: number }): { threshold: number; effectMethod: EffectMethod; effectThreshold: number } {
  const defaultEffect: EffectMethod = kind === 'numeric' ? 'wasserstein' : 'jensen_shannon';
  if (!override) return { threshold: s.pValueThreshold, effectMethod: defaultEffect, effectThreshold: s.effectThreshold };
  if (!METHODS_FOR_KIND[kind].includes(override.method)) throw new Error(`method ${override.method} does not apply to a ${kind} feature`);
  if (override.method === 'ks' || override.method === 'chi_square') return { threshold: override.threshold, effectMethod: defaultEffect, effectThreshold: s.effectThreshold };
  return { threshold: s.pValueThreshold, effectMethod: override.method, effectThreshold: override.threshold };
}

/** One-sided test that the batch has a larger share of missing values than the reference. */
export function missingShareTest(missingRef: number, nRef: number, missingCur: number, nCur: number, s: FeatureTestSettings): MissingShareTest {
  const shareRef = nRef ? missingRef / nRef : 0;
  const shareCur = nCur ? missingCur / nCur : 0;
  const pValue = missingRef + missingCur > 0 && nRef > 0 && nCur > 0 ? fisherExactGreater(missingCur, nCur - missingCur, missingRef, nRef - missingRef) : null;
  const drifted = pValue !== null && pValue < s.pValueThreshold && shareCur - shareRef >= s.missingShareIncrease;
  return { missingRef, missingCur, shareRef, shareCur, pValue, drifted };
}

/** Index of the first element ≥ x (or > x with `strict`) in a sorted array. */
function lowerBound(a: ArrayLike<number>, x: number, strict = false): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strict ? a[mid] <= x : a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Quantile of a sorted sample with linear interpolation (numpy's default, DuckDB's quantile_cont). */
function quantileSorted(a: ArrayLike<number>, p: number): number {
  const h = (a.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, a.length - 1);
  return a[lo] + (h - lo) * (a[hi] - a[lo]);
}

/** PSI over reference-quantile bins: a value's bin is the number of distinct edges below it. */
export function numericPsi(ref: ArrayLike<number>, cur: ArrayLike<number>, bins: number): { psi: number; edges: number[] } {
  const edges = [...new Set(Array.from({ length: bins - 1 }, (_, i) => quantileSorted(ref, (i + 1) / bins)))];
  const count = (x: ArrayLike<number>): number[] => {
    const out = new Array<number>(edges.length + 1).fill(0);
    // values ≤ edge k lie in bins ≤ k: cumulative counts from the sorted sample
    let prev = 0;
    edges.forEach((e, k) => {
      const upTo = lowerBound(x, e, true);
      out[k] = upTo - prev;
      prev = upTo;
    });
    out[edges.length] = x.length - prev;
    return out;
  };
  // A value equal to an edge is not "above" it (SQL: count of edges < v), so it belongs to the lower bin.
  return { psi: populationStabilityIndex(count(ref), count(cur)), edges };
}

/**
 * A numeric feature's test: two-sample KS (exact p-value for samples up to 10 000 rows, Smirnov's finite-sample
 * asymptotic beyond; valid at every size) and an effect size — W1 ÷ the reference sd by default — that must
 * reach its floor too, so trivial shifts on huge samples are not called drift. `cur` must be sorted.
 */
export function testNumericFeature(feature: string, ref: NumericReference, cur: NumericSample, s: FeatureTestSettings, override?: { method: DriftMethod; threshold: number }): FeatureTest {
  const r = resolve('numeric', s, override);
  const nRef = ref.sorted.length;
  const nCur = cur.sorted.length;
  const missing = missingShareTest(ref.missing, nRef + ref.missing, cur.missing, nCur + cur.missing, s);
  const base = { feature, kind: 'numeric' as const, method: 'ks' as const, threshold: r.threshold, effectMethod: r.effectMethod, effectThreshold: r.effectThreshold, nRef, nCur, missing };
  if (nRef === 0 || nCur === 0) {
    const note = nCur === 0 ? 'no non-missing value in the batch' : 'no non-missing value in the reference';
    return { ...base, statistic: null, pValue: null, pValueMethod: null, effect: null, distributionDrifted: false, drifted: missing.drifted, detail: { note } };
  }
  const d = sortedSampleDistances(ref.sorted, cur.sorted, true);
  const pValue = ksPValue(d.ksD, nRef, nCur, 'auto');
  const pValueMethod = Math.max(nRef, nCur) <= 10000 ? 'exact' : 'asymptotic';
  const curMoments = meanAndStd(cur.sorted);
  const detail: Record<string, unknown> = { ks_d: d.ksD, wasserstein: d.wasserstein, ref_mean: ref.mean, ref_std: ref.std, cur_mean: curMoments.mean };
  let effect: number;
  if (r.effectMethod === 'psi') {
    const p = numericPsi(ref.sorted, cur.sorted, s.psiBins);
    effect = p.psi;
    detail.edges = p.edges;
  } else {
    // Normalised by the reference's spread so one floor serves every unit; a constant reference borrows the batch's.
    const scale = ref.std && ref.std > 0 ? ref.std : curMoments.std && curMoments.std > 0 ? curMoments.std : null;
    effect = scale ? d.wasserstein / scale : d.wasserstein === 0 ? 0 : Infinity;
    detail.normalised_by = scale;
    if (scale !== ref.std) detail.note = scale ? 'constant reference: W1 normalised by the batch sd' : 'both samples constant';
  }
  const distributionDrifted = pValue < r.threshold && effect >= r.effectThreshold;
  return {
    ...base,
    statistic: d.ksD,
    pValue,
    pValueMethod,
    effect: Number.isFinite(effect) ? effect : null,
    distributionDrifted,
    drifted: distributionDrifted || missing.drifted,
    detail,
  };
}

/** Smallest expected count of the 2×K table (over categories present in either sample). */
function minExpected(ref: number[], cur: number[]): number {
  const nRef = ref.reduce((a, b) => a + b, 0);
  const nCur = cur.reduce((a, b) => a + b, 0);
  let min = Infinity;
  for (let k = 0; k < ref.length; k++) {
    const pooled = ref[k] + cur[k];
    if (pooled === 0) continue;
    min = Math.min(min, (Math.min(nRef, nCur) * pooled) / (nRef + nCur));
  }
  return min;
}

/**
 * A categorical feature's test: Pearson's chi-square, with the asymptotic p-value when every expected count is at
 * least 5 (Cochran's rule) and otherwise a Monte-Carlo permutation p-value (seeded by the feature and the sizes, so
 * a run is reproducible), and the Jensen–Shannon distance (base 2) as the effect size by default.
 */
export function testCategoricalFeature(feature: string, ref: CategoricalSample, cur: CategoricalSample, s: FeatureTestSettings, override?: { method: DriftMethod; threshold: number }): FeatureTest {
  const r = resolve('categorical', s, override);
  const levels = [...new Set([...ref.counts.keys(), ...cur.counts.keys()])].sort();
  const refCounts = levels.map((l) => ref.counts.get(l) ?? 0);
  const curCounts = levels.map((l) => cur.counts.get(l) ?? 0);
  const nRef = refCounts.reduce((a, b) => a + b, 0);
  const nCur = curCounts.reduce((a, b) => a + b, 0);
  const missing = missingShareTest(ref.missing, nRef + ref.missing, cur.missing, nCur + cur.missing, s);
  const detail: Record<string, unknown> = { levels: Object.fromEntries(levels.map((l, i) => [l, [refCounts[i], curCounts[i]]])) };
  const base = { feature, kind: 'categorical' as const, method: 'chi_square' as const, threshold: r.threshold, effectMethod: r.effectMethod, effectThreshold: r.effectThreshold, nRef, nCur, missing };
  if (nRef === 0 || nCur === 0) {
    detail.note = nCur === 0 ? 'no non-missing value in the batch' : 'no non-missing value in the reference';
    return { ...base, statistic: null, pValue: null, pValueMethod: null, effect: null, distributionDrifted: false, drifted: missing.drifted, detail };
  }
  let statistic: number;
  let pValue: number;
  let pValueMethod: FeatureTest['pValueMethod'];
  if (minExpected(refCounts, curCounts) >= 5) {
    const c = chiSquareHomogeneity(refCounts, curCounts);
    [statistic, pValue, pValueMethod] = [c.statistic, c.pValue, 'asymptotic'];
    detail.dof = c.dof;
  } else {
    const c = chiSquarePermutationTest(refCounts, curCounts, s.permutations, hashString(`${feature}|${nRef}|${nCur}`));
    [statistic, pValue, pValueMethod] = [c.statistic, c.pValue, 'permutation'];
    detail.permutations = c.permutations;
  }
  const effect = r.effectMethod === 'psi' ? populationStabilityIndex(refCounts, curCounts) : jensenShannonDistance(refCounts, curCounts);
  const distributionDrifted = pValue < r.threshold && effect >= r.effectThreshold;
  return { ...base, statistic, pValue, pValueMethod, effect, distributionDrifted, drifted: distributionDrifted || missing.drifted, detail };
}

/** A p-value for a log line: two significant digits, exponent form below 1e-4, and "< 1e-300" where it underflows. */
export const formatP = (p: number): string => (p === 0 ? '< 1e-300' : p < 1e-4 ? p.toExponential(1) : p.toPrecision(2));
const fmtP = formatP;

/** How a test reads in a log line or a decision reason: what is compared with what. */
export function describeTest(t: Pick<FeatureTest, 'method' | 'statistic' | 'pValue' | 'threshold' | 'effectMethod' | 'effect' | 'effectThreshold' | 'missing' | 'pValueMethod'>): string {
  const effectName = t.effectMethod === 'wasserstein' ? 'W/sd' : t.effectMethod === 'jensen_shannon' ? 'JS' : 'PSI';
  const parts: string[] = [];
  if (t.pValue === null) parts.push(`${t.method} not computed`);
  else {
    const name = t.method === 'ks' ? `KS D ${t.statistic?.toFixed(3)}` : `chi-square ${t.statistic?.toFixed(2)}${t.pValueMethod === 'permutation' ? ' (permutation)' : ''}`;
    parts.push(`${name}: p ${fmtP(t.pValue)} ${t.pValue < t.threshold ? '<' : '≥'} ${t.threshold}`);
    if (t.effect !== null) parts.push(`${effectName} ${t.effect.toFixed(3)} ${t.effect >= t.effectThreshold ? '≥' : '<'} ${t.effectThreshold}`);
  }
  if (t.missing.pValue !== null) {
    parts.push(`missing ${(100 * t.missing.shareRef).toFixed(1)}% → ${(100 * t.missing.shareCur).toFixed(1)}%: p ${fmtP(t.missing.pValue)}`);
  }
  return parts.join(', ');
}

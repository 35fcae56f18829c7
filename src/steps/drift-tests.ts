import type { Config } from '../config/load.ts';
import { chiSquareHomogeneity } from '../stats/chi-square.ts';
import { jensenShannonDistance } from '../stats/jensen-shannon.ts';
import { ksPValue } from '../stats/ks.ts';
import { populationStabilityIndex } from '../stats/psi.ts';

export type DriftMethod = 'ks' | 'chi_square' | 'wasserstein' | 'jensen_shannon' | 'psi';
type DriftConfig = Config['steps']['data_drift_detection'];

/** One test's outcome, as stored in data_drift_results / model_drift_results. */
export interface DriftOutcome {
  method: DriftMethod;
  statistic: number | null;
  pValue: number | null;
  threshold: number;
  drifted: boolean;
  detail: Record<string, unknown>;
}

/** What the merged-ECDF query returns for a numeric feature. */
export interface NumericDistances {
  n_ref: number;
  n_cur: number;
  ks_d: number;
  wasserstein: number;
  ref_std: number | null;
  ref_mean: number | null;
  cur_mean: number | null;
}

/**
 * The size-aware default (as Evidently does): p-value tests on small references, distances on large
 * ones, where any trivial shift would be "significant". A per-feature override wins.
 */
export function chooseMethod(kind: 'numeric' | 'categorical', nRef: number, cfg: DriftConfig, override?: { method: DriftMethod; threshold: number }): { method: DriftMethod; threshold: number } {
  if (override) return override;
  const small = nRef <= cfg.small_reference_max;
  if (kind === 'numeric') return small ? { method: 'ks', threshold: cfg.p_value_threshold } : { method: 'wasserstein', threshold: cfg.distance_threshold };
  return small ? { method: 'chi_square', threshold: cfg.p_value_threshold } : { method: 'jensen_shannon', threshold: cfg.distance_threshold };
}

const isPValueMethod = (m: DriftMethod) => m === 'ks' || m === 'chi_square';

/** Scores a numeric feature from its merged-ECDF distances (KS, normalised Wasserstein) — PSI is scored from bins. */
export function numericOutcome(method: DriftMethod, threshold: number, d: NumericDistances): DriftOutcome {
  const detail: Record<string, unknown> = { ks_d: d.ks_d, wasserstein: d.wasserstein, ref_std: d.ref_std, ref_mean: d.ref_mean, cur_mean: d.cur_mean };
  if (method === 'ks') {
    const p = ksPValue(d.ks_d, d.n_ref, d.n_cur, 'auto');
    return { method, statistic: d.ks_d, pValue: p, threshold, drifted: p < threshold, detail };
  }
  if (method === 'wasserstein') {
    // Normalised by the reference spread so one threshold serves every unit; a constant reference has no spread to compare with.
    const std = d.ref_std && d.ref_std > 0 ? d.ref_std : null;
    const stat = std ? d.wasserstein / std : d.wasserstein === 0 ? 0 : Infinity;
    return { method, statistic: Number.isFinite(stat) ? stat : null, pValue: null, threshold, drifted: stat >= threshold, detail: { ...detail, normalised_by: std } };
  }
  throw new Error(`method ${method} does not apply to ECDF distances of a numeric feature`);
}

/** Scores a categorical feature (or binned numeric, for PSI) from aligned reference and current counts. */
export function countsOutcome(method: DriftMethod, threshold: number, labels: string[], ref: number[], cur: number[]): DriftOutcome {
  const detail: Record<string, unknown> = { levels: Object.fromEntries(labels.map((l, i) => [l, [ref[i], cur[i]]])) };
  if (method === 'chi_square') {
    const r = chiSquareHomogeneity(ref, cur);
    return { method, statistic: r.statistic, pValue: r.pValue, threshold, drifted: r.pValue < threshold, detail: { ...detail, dof: r.dof } };
  }
  if (method === 'jensen_shannon') {
    const s = jensenShannonDistance(ref, cur);
    return { method, statistic: s, pValue: null, threshold, drifted: s >= threshold, detail };
  }
  if (method === 'psi') {
    const s = populationStabilityIndex(ref, cur);
    return { method, statistic: s, pValue: null, threshold, drifted: s >= threshold, detail };
  }
  throw new Error(`method ${method} does not apply to counts`);
}

export { isPValueMethod };

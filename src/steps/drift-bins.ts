import type { PipelineDb } from '../db/database.ts';
import type { DataDriftBinsTable } from '../db/tables.ts';
import type { Insertable } from 'kysely';
import { sharedHistogram } from '../stats/histogram.ts';
import type { CategoricalSample, NumericSample } from './drift-tests.ts';

/** The samples a data-drift run tested (data-drift-detection.ts's LoadedSamples). */
export interface TestedSamples {
  refNumeric: ReadonlyMap<string, NumericSample>;
  curNumeric: ReadonlyMap<string, NumericSample>;
  refCategorical: ReadonlyMap<string, CategoricalSample>;
  curCategorical: ReadonlyMap<string, CategoricalSample>;
}

/** How many equal-width bins a numeric feature's stored histogram has (the report draws them). */
export const DRIFT_HISTOGRAM_BINS = 30;

/** The label of a categorical feature's rows without a level. */
export const MISSING_LEVEL = '(missing)';

/**
 * The rows of data_drift_bins for one run: each tested feature's counts in the samples its test compared (the
 * reference sample and the batch's hash sample), numeric features on shared equal-width bins, categorical ones
 * per level (missing last).
 */
export function driftBinRows(runId: number, samples: TestedSamples, features: readonly { feature: string; kind: 'numeric' | 'categorical' }[]): Insertable<DataDriftBinsTable>[] {
  const rows: Insertable<DataDriftBinsTable>[] = [];
  for (const f of features) {
    if (f.kind === 'numeric') {
      const ref = samples.refNumeric.get(f.feature);
      const cur = samples.curNumeric.get(f.feature);
      if (!ref || !cur) continue;
      for (const b of sharedHistogram(ref.sorted, cur.sorted, DRIFT_HISTOGRAM_BINS)) {
        rows.push({ run_id: runId, feature: f.feature, feature_kind: 'numeric', bin: b.bin, bin_start: b.binStart, bin_end: b.binEnd, level: null, is_missing: false, n_ref: b.nRef, n_cur: b.nCur });
      }
    } else {
      const ref = samples.refCategorical.get(f.feature);
      const cur = samples.curCategorical.get(f.feature);
      if (!ref || !cur) continue;
      const levels = [...new Set([...ref.counts.keys(), ...cur.counts.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const counted = levels.map((level) => ({ level, isMissing: false, nRef: ref.counts.get(level) ?? 0, nCur: cur.counts.get(level) ?? 0 }));
      if (ref.missing || cur.missing) counted.push({ level: MISSING_LEVEL, isMissing: true, nRef: ref.missing, nCur: cur.missing });
      counted.forEach((c, i) => rows.push({ run_id: runId, feature: f.feature, feature_kind: 'categorical', bin: i, bin_start: null, bin_end: null, level: c.level, is_missing: c.isMissing, n_ref: c.nRef, n_cur: c.nCur }));
    }
  }
  return rows;
}

/** Saves the counts of {@link driftBinRows} in one insert (a few hundred rows: every tested feature's). */
export async function saveDriftBins(db: PipelineDb, rows: Insertable<DataDriftBinsTable>[]): Promise<void> {
  if (rows.length) await db.kysely.insertInto('data_drift_bins').values(rows).execute();
}

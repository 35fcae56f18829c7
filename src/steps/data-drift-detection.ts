import type { PipelineDb } from '../db/database.ts';
import { runSqlFile, runSqlFileColumns } from '../db/sql-runner.ts';
import { quoteIdent } from '../db/sql-text.ts';
import type { RunContext, StepReport } from '../pipelines/run-log.ts';
import { chooseMethod, countsOutcome, numericOutcome, type DriftMethod, type DriftOutcome, type NumericDistances } from './drift-tests.ts';
import { featureSet } from './features.ts';
import { ksStatistic } from '../stats/ks.ts';
import { wasserstein1 } from '../stats/wasserstein.ts';
import type { StoredModel } from './model.ts';

const STEP = 'data_drift_detection';

export interface FeatureDrift extends DriftOutcome {
  feature: string;
  kind: 'numeric' | 'categorical';
  nRef: number;
  nCur: number;
}

export interface DataDriftResult extends StepReport {
  features: FeatureDrift[];
  nDrifted: number;
  share: number;
  datasetDrift: boolean;
}

/** Where the samples come from: a table of values (by column name) or rows with an SQL feature expression. */
export interface DriftSamples {
  /** The reference rows: a table name, quoted here, or an SQL subquery (`sql`) built from validated names. */
  referenceTable: string | { sql: string };
  /** Subquery giving the current rows. */
  currentRows: string;
  currentParams: Record<string, unknown>;
  /** name → SQL expression over the current rows. */
  currentNumeric: { name: string; sql: string }[];
  currentCategorical: { name: string; sql: string }[];
}

const referenceSql = (s: DriftSamples): string => (typeof s.referenceTable === 'string' ? quoteIdent(s.referenceTable) : s.referenceTable.sql);

/**
 * A subquery keeping about `maxRows` of the given rows (a subquery with batch_id and source_row), chosen
 * by the hash of their ids, so the same rows every time: drift statistics on a bounded sample cost the
 * same for a 100k- or a 10M-row batch.
 */
export async function sampledRows(db: PipelineDb, rows: string, params: Record<string, unknown>, maxRows: number): Promise<{ sql: string; params: Record<string, unknown>; n: number }> {
  const [{ n }] = await runSqlFile<{ n: number }>(db, STEP, 'row_count', { fragments: { rows }, params });
  const keep = n <= maxRows ? 1_048_576 : Math.min(1_048_576, Math.ceil((1_048_576 * maxRows) / n));
  return { sql: `(select * from ${rows} as r where (hash(r.batch_id, r.source_row) >> 44) < $sample_keep)`, params: { ...params, sample_keep: keep }, n };
}

/** PSI over reference-quantile bins, for one numeric column. */
async function psiOutcome(db: PipelineDb, s: DriftSamples, name: string, currentSql: string, bins: number, threshold: number): Promise<{ outcome: DriftOutcome; nRef: number; nCur: number }> {
  const probabilities = Array.from({ length: bins - 1 }, (_, i) => (i + 1) / bins);
  const frag = { reference_value: quoteIdent(name), reference_table: referenceSql(s), current_value: currentSql, current_rows: s.currentRows };
  const [{ edges }] = await runSqlFile<{ edges: number[] | null }>(db, STEP, 'reference_quantiles', { fragments: frag, params: { ...s.currentParams, probabilities: JSON.stringify(probabilities) } });
  const uniqueEdges = [...new Set(edges ?? [])];
  const rows = await runSqlFile<{ bin: number; n_ref: number; n_cur: number }>(db, STEP, 'psi_bins', { fragments: frag, params: { ...s.currentParams, edges: JSON.stringify(uniqueEdges) } });
  const outcome = countsOutcome('psi', threshold, rows.map((r) => `bin_${r.bin}`), rows.map((r) => r.n_ref), rows.map((r) => r.n_cur));
  outcome.detail.edges = uniqueEdges;
  return { outcome, nRef: rows.reduce((a, r) => a + r.n_ref, 0), nCur: rows.reduce((a, r) => a + r.n_cur, 0) };
}

/** The finite values of one result column (NULLs and non-finite values left out). */
function finiteValues(column: readonly unknown[]): Float64Array {
  const out = new Float64Array(column.length);
  let n = 0;
  for (const v of column) {
    if (typeof v === 'number' && Number.isFinite(v)) out[n++] = v;
  }
  return out.subarray(0, n);
}

/** Sum in a fixed order (so bit-identical run to run), with the mean and sample standard deviation. */
function meanAndStd(x: Float64Array): { mean: number; std: number | null } {
  let sum = 0;
  for (const v of x) sum += v;
  const mean = sum / x.length;
  if (x.length < 2) return { mean, std: null };
  let ss = 0;
  for (const v of x) ss += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(ss / (x.length - 1)) };
}

/**
 * KS statistic, Wasserstein-1 distance and moments of one feature's two samples (null when either sample has
 * no finite value). The samples are bounded, so sorting them in TypeScript is cheap and deterministic.
 */
function numericDistances(feature: string, ref: Float64Array, cur: Float64Array): (NumericDistances & { feature: string }) | null {
  if (ref.length === 0 || cur.length === 0) return null;
  const r = meanAndStd(ref);
  return { feature, n_ref: ref.length, n_cur: cur.length, ks_d: ksStatistic(ref, cur), wasserstein: wasserstein1(ref, cur), ref_std: r.std, ref_mean: r.mean, cur_mean: meanAndStd(cur).mean };
}

/**
 * Compares every feature of the current rows with the reference sample. Numeric features: the bounded samples'
 * values are read and their ECDF distances computed in TypeScript; categorical features: counts per level come
 * from SQL. p-values and distances are computed in TypeScript.
 */
export async function compareSamples(db: PipelineDb, s: DriftSamples, cfg: RunContext['config']['steps']['data_drift_detection'], overrides: Record<string, { method: DriftMethod; threshold: number }>): Promise<FeatureDrift[]> {
  const [{ n: nRefRows }] = await runSqlFile<{ n: number }>(db, STEP, 'reference_size', { fragments: { reference_table: referenceSql(s) }, params: s.currentParams });
  const out: FeatureDrift[] = [];
  if (s.currentNumeric.length) {
    const names = s.currentNumeric.map((f) => quoteIdent(f.name));
    const refCols = await runSqlFileColumns(db, STEP, 'numeric_values', { fragments: { columns: names.map((n) => `${n}::double as ${n}`).join(', '), rows: referenceSql(s) }, params: s.currentParams });
    const curCols = await runSqlFileColumns(db, STEP, 'numeric_values', {
      fragments: { columns: s.currentNumeric.map((f) => `${f.sql}::double as ${quoteIdent(f.name)}`).join(', '), rows: s.currentRows },
      params: s.currentParams,
    });
    const rows = s.currentNumeric.map((f) => numericDistances(f.name, finiteValues(refCols[f.name] ?? []), finiteValues(curCols[f.name] ?? []))).filter((d) => d !== null);
    const byName = new Map(rows.map((r) => [r.feature, r]));
    for (const f of s.currentNumeric) {
      const { method, threshold } = chooseMethod('numeric', nRefRows, cfg, overrides[f.name]);
      if (method === 'psi') {
        const p = await psiOutcome(db, s, f.name, f.sql, cfg.psi_bins, threshold);
        out.push({ feature: f.name, kind: 'numeric', nRef: p.nRef, nCur: p.nCur, ...p.outcome });
        continue;
      }
      const d = byName.get(f.name);
      if (!d) {
        out.push({ feature: f.name, kind: 'numeric', nRef: 0, nCur: 0, method, statistic: null, pValue: null, threshold, drifted: false, detail: { note: 'no finite values in one of the samples' } });
        continue;
      }
      const effective = method === 'ks' || method === 'wasserstein' ? method : 'wasserstein';
      out.push({ feature: f.name, kind: 'numeric', nRef: d.n_ref, nCur: d.n_cur, ...numericOutcome(effective, threshold, d) });
    }
  }
  if (s.currentCategorical.length) {
    const rows = await runSqlFile<{ feature: string; level: string; n_ref: number; n_cur: number }>(db, STEP, 'category_counts', {
      fragments: {
        reference_columns: s.currentCategorical.map((f) => quoteIdent(f.name)).join(', '),
        reference_table: referenceSql(s),
        current_features: s.currentCategorical.map((f) => `${f.sql} as ${quoteIdent(f.name)}`).join(', '),
        current_rows: s.currentRows,
      },
      params: s.currentParams,
    });
    for (const f of s.currentCategorical) {
      const levels = rows.filter((r) => r.feature === f.name);
      let { method, threshold } = chooseMethod('categorical', nRefRows, cfg, overrides[f.name]);
      if (method === 'ks' || method === 'wasserstein') method = 'jensen_shannon';
      const outcome = countsOutcome(method, threshold, levels.map((l) => l.level), levels.map((l) => l.n_ref), levels.map((l) => l.n_cur));
      out.push({ feature: f.name, kind: 'categorical', nRef: levels.reduce((a, l) => a + l.n_ref, 0), nCur: levels.reduce((a, l) => a + l.n_cur, 0), ...outcome });
    }
  }
  return out;
}

/**
 * data_drift_detection: every feature of the batch against the active model's reference sample, one
 * stored row per feature (drifted or not), and the dataset decision (share of drifted features).
 */
export async function dataDriftDetection(ctx: RunContext, model: StoredModel, batchId: number): Promise<DataDriftResult> {
  const { db, config, runId } = ctx;
  const cfg = config.steps.data_drift_detection;
  const fs = featureSet(config.contract);
  // Calendar terms are functions of the timestamp: a batch covering one month always "differs" from a
  // year of reference in them, which says when the batch is, not that the data changed. They are not tested.
  const numerics = fs.numerics.filter((f) => model.numericFeatures.includes(f.name) && f.source !== 'calendar').map((f) => ({ name: f.name, sql: f.rawSql }));
  const categoricals = model.categoricalFeatures.map((c) => ({ name: c, sql: quoteIdent(c) }));
  const current = await sampledRows(db, '(select * from raw_data where batch_id = $batch_id)', { batch_id: batchId }, cfg.reference_sample_size);
  const features = await compareSamples(
    db,
    { referenceTable: model.referenceTable, currentRows: current.sql, currentParams: current.params, currentNumeric: numerics, currentCategorical: categoricals },
    cfg,
    cfg.features as Record<string, { method: DriftMethod; threshold: number }>,
  );
  for (const f of features) {
    await runSqlFile(db, STEP, 'insert_result', {
      params: {
        run_id: runId,
        feature: f.feature,
        feature_kind: f.kind,
        method: f.method,
        statistic: f.statistic,
        p_value: f.pValue,
        threshold: f.threshold,
        n_ref: f.nRef,
        n_cur: f.nCur,
        drifted: f.drifted,
        detail: JSON.stringify(f.detail),
      },
    });
  }
  const nDrifted = features.filter((f) => f.drifted).length;
  const share = features.length ? nDrifted / features.length : 0;
  const datasetDrift = share >= cfg.dataset_drift_share;
  return {
    features,
    nDrifted,
    share,
    datasetDrift,
    rowsIn: features[0]?.nCur,
    rowsOut: features.length,
    message: `${nDrifted} of ${features.length} features drifted (share ${share.toFixed(2)}, threshold ${cfg.dataset_drift_share}): ${datasetDrift ? 'dataset drift' : 'no dataset drift'}${nDrifted ? ` [${features.filter((f) => f.drifted).map((f) => f.feature).join(', ')}]` : ''}`,
  };
}

export async function recordDriftDecision(
  db: PipelineDb,
  d: { runId: number; kind: 'data' | 'model'; drifted: boolean; nTests: number; nDrifted: number; share: number | null; threshold: number | null; action: string; reason: string; childRunId?: number | null; referenceModelVersion: number },
): Promise<void> {
  await runSqlFile(db, STEP, 'insert_decision', {
    params: {
      run_id: d.runId,
      kind: d.kind,
      drifted: d.drifted,
      n_tests: d.nTests,
      n_drifted: d.nDrifted,
      share_drifted: d.share,
      threshold: d.threshold,
      action: d.action,
      reason: d.reason,
      child_run_id: d.childRunId ?? null,
      reference_model_version: d.referenceModelVersion,
      now: new Date().toISOString(),
    },
  });
}

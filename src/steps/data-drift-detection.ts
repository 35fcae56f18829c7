import { INDICATOR_SUFFIX } from '../config/contract.ts';
import type { PipelineDb } from '../db/database.ts';
import { runSqlFile, runSqlFileDoubles } from '../db/sql-runner.ts';
import { sql } from 'kysely';
import type { RunContext, StepReport } from '../runs/run-log.ts';
import { loadFitParams } from './data-processing.ts';
import { driftBinRows, saveDriftBins } from './drift-bins.ts';
import type { FitParams } from './fit-params.ts';
import { decideDatasetDrift, featureRoles, type DatasetDecision, type JudgedFeature } from './drift-decision.ts';
import {
  featureTestSettings,
  numericReference,
  numericSample,
  testCategoricalFeature,
  testNumericFeature,
  type CategoricalSample,
  type DriftMethod,
  type FeatureTest,
  type NumericReference,
  type NumericSample,
} from './drift-tests.ts';
import { featureSet, identList, type FeatureSet, type NumericFeature } from '../sql/features.ts';
import type { SqlFragment } from '../sql/render.ts';
import type { StoredModel } from './model.ts';

const STEP = 'data_drift_detection';

export interface DataDriftResult extends StepReport {
  features: JudgedFeature[];
  decision: DatasetDecision;
  /** Features in the share rule that drifted at the decision's level. */
  nDrifted: number;
  share: number;
  datasetDrift: boolean;
  /** Rows of the whole batch (the tests use a bounded sample of them). */
  batchRows: number;
}

/** Where the samples come from: a table of values (by column name) or rows with an SQL feature expression. */
export interface DriftSamples {
  /** The reference rows: a table name, or a subquery. */
  referenceTable: string | SqlFragment;
  /** Subquery giving the current rows. */
  currentRows: SqlFragment;
  /** name → SQL expression over the current rows. */
  currentNumeric: { name: string; sql: SqlFragment }[];
  currentCategorical: { name: string; sql: SqlFragment }[];
  /** More numeric reference columns to read (for their spread only). */
  referenceOnlyNumeric?: string[];
}

/** Both samples of every feature, read once. */
export interface LoadedSamples {
  refNumeric: Map<string, NumericReference>;
  curNumeric: Map<string, NumericSample>;
  refCategorical: Map<string, CategoricalSample>;
  curCategorical: Map<string, CategoricalSample>;
}

const referenceSql = (s: DriftSamples): SqlFragment => (typeof s.referenceTable === 'string' ? sql.id(s.referenceTable) : s.referenceTable);

/**
 * A subquery keeping about `maxRows` of the given rows (a subquery with batch_id and source_row), chosen
 * by the hash of their ids, so the same rows every time: drift statistics on a bounded sample cost the
 * same for a 100k- or a 10M-row batch. `knownCount`: the rows' count when the caller has it (no pass to count them).
 */
export async function sampledRows(db: PipelineDb, rows: SqlFragment, maxRows: number, knownCount?: number): Promise<{ rows: SqlFragment; n: number }> {
  const n = knownCount ?? (await runSqlFile<{ n: number }>(db, STEP, 'row_count', { slots: { rows } }))[0].n;
  const keep = n <= maxRows ? 1_048_576 : Math.min(1_048_576, Math.ceil((1_048_576 * maxRows) / n));
  return { rows: sql`(select * from ${rows} as r where (hash(r.batch_id, r.source_row) >> 44) < ${keep})`, n };
}

/** Reads the numeric values (NULLs counted as missing) and the categorical level counts of both samples. */
export async function loadSamples(db: PipelineDb, s: DriftSamples): Promise<LoadedSamples> {
  const out: LoadedSamples = { refNumeric: new Map(), curNumeric: new Map(), refCategorical: new Map(), curCategorical: new Map() };
  const refNames = [...new Set([...s.currentNumeric.map((f) => f.name), ...(s.referenceOnlyNumeric ?? [])])];
  if (refNames.length) {
    const refCols = await runSqlFileDoubles(db, STEP, 'numeric_values', { slots: { columns: sql.join(refNames.map((n) => sql`${sql.id(n)}::double as ${sql.id(n)}`)), rows: referenceSql(s) } });
    for (const n of refNames) out.refNumeric.set(n, numericReference(numericSample(refCols[n] ?? [])));
  }
  if (s.currentNumeric.length) {
    const curCols = await runSqlFileDoubles(db, STEP, 'numeric_values', {
      slots: { columns: sql.join(s.currentNumeric.map((f) => sql`${f.sql}::double as ${sql.id(f.name)}`)), rows: s.currentRows },
    });
    for (const f of s.currentNumeric) out.curNumeric.set(f.name, numericSample(curCols[f.name] ?? []));
  }
  if (s.currentCategorical.length) {
    const rows = await runSqlFile<{ feature: string; level: string; is_missing: boolean; n_ref: number; n_cur: number }>(db, STEP, 'category_counts', {
      slots: {
        reference_columns: identList(s.currentCategorical.map((f) => f.name)),
        reference_table: referenceSql(s),
        current_features: sql.join(s.currentCategorical.map((f) => sql`${f.sql} as ${sql.id(f.name)}`)),
        current_rows: s.currentRows,
      },
    });
    for (const f of s.currentCategorical) {
      const ref: CategoricalSample = { counts: new Map(), missing: 0 };
      const cur: CategoricalSample = { counts: new Map(), missing: 0 };
      for (const r of rows.filter((x) => x.feature === f.name)) {
        if (r.is_missing) {
          ref.missing += r.n_ref;
          cur.missing += r.n_cur;
          continue;
        }
        if (r.n_ref) ref.counts.set(r.level, r.n_ref);
        if (r.n_cur) cur.counts.set(r.level, r.n_cur);
      }
      out.refCategorical.set(f.name, ref);
      out.curCategorical.set(f.name, cur);
    }
  }
  return out;
}

/** Every feature's test (see drift-tests.ts), from loaded samples; a per-feature override from config wins. */
export function testFeatures(samples: LoadedSamples, numerics: readonly string[], categoricals: readonly string[], cfg: RunContext['config']['steps']['data_drift_detection']): FeatureTest[] {
  const settings = featureTestSettings(cfg);
  const overrides = cfg.features as Record<string, { method: DriftMethod; threshold: number }>;
  return [
    ...numerics.map((f) => testNumericFeature(f, samples.refNumeric.get(f)!, samples.curNumeric.get(f)!, settings, overrides[f])),
    ...categoricals.map((f) => testCategoricalFeature(f, samples.refCategorical.get(f)!, samples.curCategorical.get(f)!, settings, overrides[f])),
  ];
}

/** Reads both samples and tests every feature of `s` (no decision): what the model-drift step and tests use. */
export async function compareSamples(db: PipelineDb, s: DriftSamples, cfg: RunContext['config']['steps']['data_drift_detection']): Promise<FeatureTest[]> {
  const samples = await loadSamples(db, s);
  return testFeatures(samples, s.currentNumeric.map((f) => f.name), s.currentCategorical.map((f) => f.name), cfg);
}

/**
 * Which of the model's numeric features are tested for drift. Calendar terms are functions of the timestamp: a
 * batch covering one month always "differs" from a year of reference in them, which says when the batch is, not
 * that the data changed; they are not tested, but their spread counts in each feature's share of the prediction.
 * A missing indicator is a function of its feature's missingness, which the feature's missing-share test compares
 * (one-sided); testing it as a feature too would count one change twice: it is not tested, and its share of the
 * prediction is its feature's (`indicatorOf`, for featureRoles).
 */
export function driftFeatures(fs: FeatureSet, model: Pick<StoredModel, 'numericFeatures'>): { modelNumerics: NumericFeature[]; tested: NumericFeature[]; indicatorOf: Map<string, string> } {
  const modelNumerics = fs.numerics.filter((f) => model.numericFeatures.includes(f.name));
  const tested = modelNumerics.filter((f) => f.source !== 'calendar' && f.source !== 'indicator');
  const indicatorOf = new Map(modelNumerics.filter((f) => f.source === 'indicator').map((f) => [f.name, f.name.slice(0, -INDICATOR_SUFFIX.length)]));
  return { modelNumerics, tested, indicatorOf };
}

/**
 * data_drift_detection: every feature of the batch against the active model's reference sample, one
 * stored row per feature (drifted or not), and the dataset decision (drift-decision.ts: features the model uses,
 * Holm-adjusted at half the false-alarm level, important-feature and share rules, a minimum batch size).
 */
export async function dataDriftDetection(ctx: RunContext, model: StoredModel, batchId: number, modelFit?: FitParams): Promise<DataDriftResult> {
  const { db, config, runId } = ctx;
  const cfg = config.steps.data_drift_detection;
  const fs = featureSet(config.contract);
  const { modelNumerics, tested, indicatorOf } = driftFeatures(fs, model);
  const numerics = tested.map((f) => ({ name: f.name, sql: f.raw }));
  const categoricals = model.categoricalFeatures.map((c) => ({ name: c, sql: sql.id(c) }));
  const current = await sampledRows(db, sql`(select * from raw_data where batch_id = ${batchId})`, cfg.reference_sample_size);
  const samples = await loadSamples(db, {
    referenceTable: model.referenceTable,
    currentRows: current.rows,
    currentNumeric: numerics,
    currentCategorical: categoricals,
    referenceOnlyNumeric: modelNumerics.map((f) => f.name),
  });
  const tests = testFeatures(samples, numerics.map((f) => f.name), model.categoricalFeatures, cfg);
  // the model's processing parameters (its scaling): the caller's copy when it has one
  const fit = modelFit && modelFit.fittedRunId === model.runId ? modelFit : await loadFitParams(ctx, model.runId);
  const roles = featureRoles(
    { designColumns: model.designColumns, coefficients: model.coefficients, numericScale: new Map(fit.numerics.map((n) => [n.name, n.std])) },
    {
      numericStd: new Map([...samples.refNumeric].map(([k, v]) => [k, v.std])),
      levelCounts: new Map([...samples.refCategorical].map(([k, v]) => [k, v.counts])),
    },
    modelNumerics.map((f) => f.name),
    model.categoricalFeatures,
    indicatorOf,
  );
  const decision = decideDatasetDrift(tests, roles, current.n, cfg);
  // every feature's row in one statement (the values in insert_result.sql's column order)
  const resultRows = decision.features.map((f) => {
    const detail = JSON.stringify({ ...f.detail, p_value_method: f.pValueMethod, missing: f.missing, role_note: f.role.note ?? null, missing_p_value_adjusted: f.missingPValueAdjusted });
    const values: unknown[] = [runId, f.feature, f.kind, f.method, f.statistic, f.pValue, f.threshold, f.nRef, f.nCur, f.drifted, detail, f.effectMethod, f.effect, f.effectThreshold];
    values.push(f.missing.shareRef, f.missing.shareCur, f.missing.pValue, f.pValueAdjusted, f.role.importance, f.role.used, f.counted, f.signal);
    return sql`(${sql.join(values)})`;
  });
  if (resultRows.length) await runSqlFile(db, STEP, 'insert_result', { slots: { result_rows: sql.join(resultRows) } });
  // The counts the tests saw, for the report to draw as they were.
  await saveDriftBins(db, driftBinRows(runId, samples, decision.features.map((f) => ({ feature: f.feature, kind: f.kind }))));
  return {
    features: decision.features,
    decision,
    nDrifted: decision.nDrifted,
    share: decision.share,
    datasetDrift: decision.drifted,
    batchRows: current.n,
    rowsIn: current.n,
    rowsOut: decision.features.length,
    message: decision.reason,
  };
}

export async function recordDriftDecision(
  db: PipelineDb,
  d: {
    runId: number;
    kind: 'data' | 'model';
    drifted: boolean;
    nTests: number;
    nDrifted: number;
    share: number | null;
    threshold: number | null;
    action: string;
    reason: string;
    childRunId?: number | null;
    referenceModelVersion: number;
    rule?: string | null;
    decisionLevel?: number | null;
  },
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
      rule: d.rule ?? null,
      decision_level: d.decisionLevel ?? null,
    },
  });
}

import type { Config } from '../config/load.ts';
import type { Stage } from '../config/schema.ts';
import type { PipelineDb } from '../db/database.ts';
import { readSqlFile, runSqlFile } from '../db/sql-runner.ts';
import { renderSqlText } from '../sql/render.ts';
import { sql } from 'kysely';
import { tableExists } from '../db/catalog.ts';
import { loadFitParams } from '../steps/data-processing.ts';
import { featureSet, rawFeatureSelect } from '../sql/features.ts';
import { loadModel } from '../steps/model.ts';
import { predictionSql } from '../sql/prediction.ts';
import { MAPE_FLOOR, type Metrics } from '../steps/model-evaluation.ts';
import { modelReadySql } from '../sql/model-ready.ts';
import { showModel } from './models.ts';
import { textTable } from './status.ts';

/** One side of a diff: the model and the data it learned from. */
export interface DiffSide {
  model_version: number;
  run_id: number;
  run_type: string | null;
  created_at: Date;
  n_train: number;
  n_rows: number | null;
  window_from: string | null;
  window_to: string | null;
  train_min_time: string | null;
  train_max_time: string | null;
  /** This database's batch ids (empty for a promoted model: see `source`). */
  batches: number[];
  /** For a promoted model: the stage, version and run it was copied from, and that run's batches there. */
  source: { stage: string; model_version: number; run_id: number; batches: { batch_id: number; source_file: string }[] } | null;
  test_metrics: Metrics | null;
  n_test: number | null;
}

export interface CoefficientChange {
  term: string;
  a: number | null;
  b: number | null;
  change: number | null;
  /** change ÷ |a|, null when a is 0 or missing */
  relative_change: number | null;
}

/** Both models' metrics on one set of rows, and which rows and how they were scored. */
export interface SameRowsMetrics {
  /** evaluation: B's evaluation scored A too; replayed: A scored now on B's test rows; none: no common rows. */
  method: 'evaluation' | 'replayed' | 'none';
  rows: string;
  n: number;
  a: Metrics | null;
  b: Metrics | null;
}

export interface RetrainTrigger {
  run_id: number;
  kind: string;
  n_drifted: number;
  n_tests: number;
  share_drifted: number | null;
  threshold: number | null;
  action: string;
  reason: string;
  reference_model_version: number | null;
  drifted: { kind: string; test: string; method: string; statistic: number | null; p_value: number | null; threshold: number }[];
}

export interface ModelDiff {
  a: DiffSide;
  b: DiffSide;
  coefficients: CoefficientChange[];
  metrics: SameRowsMetrics;
  /** The drift decision(s) whose retraining trained B; empty when B was trained by hand or promoted. */
  trigger: RetrainTrigger[];
}

type Detail = Record<string, unknown>;

const metricsOf = (r: Detail, p: 'new' | 'active'): Metrics | null =>
  r[`${p}_rmse`] === null || r[`${p}_rmse`] === undefined
    ? null
    : { rmse: r[`${p}_rmse`] as number, mae: r[`${p}_mae`] as number, mape: r[`${p}_mape`] as number | null, r2: r[`${p}_r2`] as number, bias: r[`${p}_bias`] as number };

function side(m: Detail): DiffSide {
  type Batches = { batch_id: number; source_file: string }[];
  const lineage = m.source_lineage as { batches?: Batches; trained_in?: { batches?: Batches } } | null;
  // A copy of a copy has no batches of its own source: those of the stage that first trained it.
  const sourceBatches = lineage?.batches?.length ? lineage.batches : (lineage?.trained_in?.batches ?? []);
  return {
    model_version: m.model_version as number,
    run_id: m.run_id as number,
    run_type: (m.run_type as string | null) ?? null,
    created_at: m.created_at as Date,
    n_train: m.n_train as number,
    n_rows: (m.n_rows as number | null) ?? null,
    window_from: (m.window_from as string | null) ?? null,
    window_to: (m.window_to as string | null) ?? null,
    train_min_time: (m.train_min_time as string | null) ?? null,
    train_max_time: (m.train_max_time as string | null) ?? null,
    batches: (m.batches as number[] | null) ?? [],
    source: m.source_stage
      ? { stage: m.source_stage as string, model_version: m.source_model_version as number, run_id: m.source_run_id as number, batches: sourceBatches.map((b) => ({ batch_id: b.batch_id, source_file: b.source_file })) }
      : null,
    test_metrics: metricsOf(m, 'new'),
    n_test: (m.n_test as number | null) ?? null,
  };
}

/** Raw-unit coefficients of both models, term by term (the union of their terms, A's order first). */
export function coefficientChanges(a: Detail, b: Detail): CoefficientChange[] {
  type Orig = { intercept: number; coefficients: Record<string, number> };
  const oa = a.coefficients_original as Orig;
  const ob = b.coefficients_original as Orig;
  const ca: Record<string, number> = { '(intercept)': oa.intercept, ...oa.coefficients };
  const cb: Record<string, number> = { '(intercept)': ob.intercept, ...ob.coefficients };
  const terms = [...new Set([...Object.keys(ca), ...Object.keys(cb)])];
  return terms.map((term) => {
    const va = term in ca ? ca[term] : null;
    const vb = term in cb ? cb[term] : null;
    const change = va !== null && vb !== null ? vb - va : null;
    return { term, a: va, b: vb, change, relative_change: change !== null && va ? change / Math.abs(va) : null };
  });
}

/**
 * Both models on the same rows: B's evaluation when it compared B with A (the gate's own numbers); otherwise A is
 * scored now on B's test rows (B's evaluation predictions, kept for every model), through A's own processing.
 */
async function sameRowsMetrics(db: PipelineDb, config: Config, stage: Stage, a: Detail, b: Detail): Promise<SameRowsMetrics> {
  if (b.active_model_version === a.model_version && metricsOf(b, 'active')) {
    return {
      method: 'evaluation',
      rows: `v${b.model_version}'s ${b.n_test} test rows, as its training run ${b.run_id} evaluated both before the gate`,
      n: b.n_test as number,
      a: metricsOf(b, 'active'),
      b: metricsOf(b, 'new'),
    };
  }
  const evalTable = b.predictions_table as string | null;
  if (evalTable && (await tableExists(db, evalTable))) {
    const ctx = { db, config, stage, runId: b.run_id as number, pipelineType: 'TRAINING_PIPELINE' as const };
    const modelA = await loadModel(db, a.model_version as number);
    const fitA = await loadFitParams(ctx, modelA.runId);
    const raw = featureSet(config.contract).numerics.filter((f) => fitA.numerics.some((n) => n.name === f.name));
    const rows = renderSqlText(readSqlFile('inspect', 'diff_predictions'), {
      slots: {
        eval_table: sql.id(evalTable),
        a_prediction: predictionSql(modelA, fitA),
        a_model_ready: modelReadySql(fitA, { clip: true }).select,
        a_raw_features: rawFeatureSelect({ numerics: raw, categoricals: fitA.categoricals }),
      },
    }, 'sql/inspect/diff_predictions.sql');
    const [m] = await runSqlFile<Record<string, number | null>>(db, 'model_evaluation', 'eval_metrics', {
      deterministic: true,
      // no checks: the evaluation's own pass counts rows out of key order there (checks)
      slots: { predictions_table: sql`(${rows}) as diff_rows`, checks: sql`` },
      params: { mape_floor: MAPE_FLOOR },
    });
    if (m.n) {
      const missing = (b.n_test as number) - (m.n as number);
      return {
        method: 'replayed',
        rows: `v${b.model_version}'s ${m.n} test rows, v${a.model_version} scored now through its own processing${missing ? ` (${missing} of the ${b.n_test} test rows are not in raw_data here)` : ''}`,
        n: m.n as number,
        a: metricsOf(m, 'active'),
        b: metricsOf(m, 'new'),
      };
    }
  }
  return {
    method: 'none',
    rows: `no common rows: v${b.model_version}'s test rows are not in this database (promoted, or its evaluation table is gone); each model's own test metrics are under a and b`,
    n: 0,
    a: null,
    b: null,
  };
}

async function triggerOf(db: PipelineDb, runId: number): Promise<RetrainTrigger[]> {
  const decisions = await runSqlFile<Omit<RetrainTrigger, 'drifted'>>(db, 'inspect', 'retrain_trigger', { params: { run_id: runId } });
  return Promise.all(decisions.map(async (d) => ({ ...d, drifted: await runSqlFile<RetrainTrigger['drifted'][number]>(db, 'inspect', 'drifted_tests', { params: { run_id: d.run_id } }) })));
}

/** `pipeline models diff A B`: what changed from model A to model B. */
export async function diffModels(db: PipelineDb, config: Config, stage: Stage, a: number, b: number): Promise<ModelDiff> {
  const ma = (await showModel(db, a)).model;
  const mb = (await showModel(db, b)).model;
  return {
    a: side(ma),
    b: side(mb),
    coefficients: coefficientChanges(ma, mb),
    metrics: await sameRowsMetrics(db, config, stage, ma, mb),
    trigger: await triggerOf(db, mb.run_id as number),
  };
}

const num = (v: number | null | undefined, digits = 4): string => (v === null || v === undefined ? '-' : v.toFixed(digits));
const signed = (v: number | null | undefined, digits = 4): string => (v === null || v === undefined ? '-' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`);

function trainedBy(s: DiffSide, trigger: RetrainTrigger[]): string {
  if (s.source) return `promotion run ${s.run_id} (from ${s.source.stage} v${s.source.model_version}, ${s.source.stage} run ${s.source.run_id})`;
  if (trigger.length) return `run ${s.run_id} (retraining after ${trigger.map((t) => `${t.kind} drift in run ${t.run_id}`).join(', ')})`;
  return `run ${s.run_id}`;
}

const batchesOf = (s: DiffSide): string =>
  s.source ? `${s.source.stage} ${JSON.stringify(s.source.batches.map((x) => x.batch_id))}` : JSON.stringify(s.batches);

/** The diff as text: training data side by side, metrics on the same rows, coefficients, and what triggered B. */
export function formatModelDiff(d: ModelDiff): string {
  const A = `v${d.a.model_version}`;
  const B = `v${d.b.model_version}`;
  const out: string[] = [`Model ${A} → ${B}`, ''];
  const period = (s: DiffSide) => `${s.train_min_time ?? '-'} … ${s.train_max_time ?? '-'}`;
  const windowOf = (s: DiffSide) => `${s.window_from ?? '-'} … ${s.window_to ?? '-'}`;
  out.push(
    'Training:',
    textTable(
      [
        { what: 'trained by', [A]: trainedBy(d.a, []), [B]: trainedBy(d.b, d.trigger) },
        { what: 'rows used', [A]: String(d.a.n_rows ?? d.a.n_train), [B]: String(d.b.n_rows ?? d.b.n_train) },
        { what: 'window', [A]: windowOf(d.a), [B]: windowOf(d.b) },
        { what: 'train period', [A]: period(d.a), [B]: period(d.b) },
        { what: 'batches', [A]: batchesOf(d.a), [B]: batchesOf(d.b) },
      ],
      ['what', A, B],
    ),
    '',
  );
  const m = d.metrics;
  if (m.a && m.b) {
    const ma = m.a;
    const mb = m.b;
    out.push(`Metrics on the same rows: ${m.rows}`);
    const row = (name: string, k: keyof Metrics, digits = 4) => ({ metric: name, [A]: num(ma[k], digits), [B]: num(mb[k], digits), change: ma[k] === null || mb[k] === null ? '-' : signed((mb[k] as number) - (ma[k] as number), digits) });
    out.push(textTable([row('RMSE', 'rmse'), row('MAE', 'mae'), row('MAPE %', 'mape', 2), row('R²', 'r2'), row('bias', 'bias')], ['metric', A, B, 'change']), '');
  } else {
    out.push(`Metrics: ${m.rows}`);
    out.push(`  ${A}: test RMSE ${num(d.a.test_metrics?.rmse)} on ${d.a.n_test ?? '-'} rows; ${B}: test RMSE ${num(d.b.test_metrics?.rmse)} on ${d.b.n_test ?? '-'} rows (not comparable)`, '');
  }
  out.push('Coefficients (raw units):');
  out.push(
    textTable(
      d.coefficients.map((c) => ({ term: c.term, [A]: num(c.a, 6), [B]: num(c.b, 6), change: signed(c.change, 6), 'change %': c.relative_change === null ? '-' : signed(c.relative_change * 100, 1) })),
      ['term', A, B, 'change', 'change %'],
    ),
    '',
  );
  if (!d.trigger.length) out.push(`What triggered ${B}: no drift decision (${d.b.source ? 'a promotion' : 'a training run started by hand'})`);
  for (const t of d.trigger) {
    out.push(`What triggered ${B}: ${t.kind} drift in prediction run ${t.run_id} (against v${t.reference_model_version ?? '-'}): ${t.n_drifted} of ${t.n_tests} tests drifted${t.share_drifted !== null ? ` (share ${num(t.share_drifted, 2)}, threshold ${t.threshold})` : ''}; action ${t.action}`);
    out.push(`  ${t.reason}`);
    if (t.drifted.length) out.push(textTable(t.drifted.map((x) => ({ ...x, statistic: num(x.statistic), p_value: num(x.p_value) })), ['kind', 'test', 'method', 'statistic', 'p_value', 'threshold']).replace(/^/gm, '  '));
  }
  return `${out.join('\n')}\n`;
}

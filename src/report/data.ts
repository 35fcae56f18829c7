import type { Config } from '../config/load.ts';
import type { PipelineDb } from '../db/database.ts';
import { runSqlFile } from '../db/sql-runner.ts';
import { sql } from 'kysely';
import { InputError } from '../errors.ts';
import { featureSet, identList, numericFeatureSelect } from '../sql/features.ts';
import type { Stage } from '../config/schema.ts';
import { diffModels, type ModelDiff } from '../inspect/model-diff.ts';

const SQL = 'report';

/** How many equal-width bins the feature and residual histograms have. */
export const HISTOGRAM_BINS = 30;
/** At most this many test rows are drawn in the evaluation scatter plots. */
export const SCATTER_POINTS = 2000;

export interface RunRow {
  run_id: number;
  pipeline_type: string;
  stage: string;
  status: string;
  started_at: Date;
  ended_at: Date | null;
  duration_ms: number | null;
  error: string | null;
  parent_run_id: number | null;
  trigger_reason: string | null;
  batch_id: number | null;
  model_version: number | null;
  config_hash: string | null;
  source_file: string | null;
  batch_rows: number | null;
  batch_rows_labelled: number | null;
}

export interface StepRow {
  step_name: string;
  step_order: number;
  status: string;
  started_at: Date;
  ended_at: Date | null;
  duration_ms: number | null;
  rows_in: number | null;
  rows_out: number | null;
  message: string | null;
}

export interface RelatedRunRow {
  relation: 'parent' | 'child';
  run_id: number;
  pipeline_type: string;
  status: string;
  started_at: Date;
  ended_at: Date | null;
  trigger_reason: string | null;
  model_version: number | null;
}

export interface DriftDecisionRow {
  kind: string;
  drifted: boolean;
  /** The rule that fired (too_few_rows, important_feature, share, prediction_distribution, rmse_ratio, none, …). */
  rule: string | null;
  decision_level: number | null;
  n_tests: number;
  n_drifted: number;
  share_drifted: number | null;
  threshold: number | null;
  action: string;
  reason: string;
  child_run_id: number | null;
  decided_at: Date;
}

export interface TestRow {
  method: string;
  statistic: number | null;
  p_value: number | null;
  threshold: number;
  n_ref: number;
  n_cur: number;
  drifted: boolean;
}

/** The practical effect size a test is held to besides its p-value. */
export interface EffectColumns {
  effect_method: string | null;
  effect: number | null;
  effect_threshold: number | null;
}

export interface ModelDriftRow extends TestRow, EffectColumns {
  test: string;
  judged: boolean | null;
}

export interface FeatureDriftRow extends TestRow, EffectColumns {
  feature: string;
  feature_kind: 'numeric' | 'categorical' | string;
  detail: string | null;
  missing_share_ref: number | null;
  missing_share_cur: number | null;
  missing_p_value: number | null;
  p_value_adjusted: number | null;
  importance: number | null;
  used_by_model: boolean | null;
  /** Drifted at the dataset decision's level (after the multiple-testing adjustment). */
  counted: boolean | null;
  signal: string | null;
}

export interface ActiveModelRow {
  stage: string;
  model_version: number;
  activated_at: Date;
  training_run_id: number;
  algorithm: string;
  n_train: number;
  deployment_id: number | null;
  decision_run_id: number | null;
  decision: string | null;
  reason: string | null;
  evidence: string | null;
  decided_at: Date | null;
}

export interface DeploymentRow {
  deployment_id: number;
  run_id: number | null;
  model_version: number;
  decision: string;
  reason: string;
  decided_at: Date;
  start_at: Date | null;
  end_at: Date | null;
}

export interface HistogramBin {
  feature: string;
  sample: 'reference' | 'current';
  bin: number;
  bin_start: number;
  bin_end: number;
  n: number;
}

export interface LevelCount {
  feature: string;
  level: string;
  n_ref: number;
  n_cur: number;
}

export interface EvaluationRow {
  run_id: number;
  model_version: number;
  active_model_version: number | null;
  n_test: number;
  new_rmse: number;
  new_mae: number;
  new_mape: number | null;
  new_r2: number;
  new_bias: number;
  active_rmse: number | null;
  active_mae: number | null;
  active_mape: number | null;
  active_r2: number | null;
  active_bias: number | null;
  predictions_table: string;
  created_at: Date;
}

export interface EvalPoint {
  actual: number;
  prediction: number;
  residual: number;
}

export interface ResidualBin {
  bin: number;
  bin_start: number;
  bin_end: number;
  n: number;
}

export interface ModelHistoryRow {
  model_version: number;
  run_id: number;
  created_at: Date;
  algorithm: string;
  n_train: number;
  r2_train: number;
  rmse_train: number;
  n_test: number | null;
  test_rmse: number | null;
  test_mae: number | null;
  test_r2: number | null;
  compared_with: number | null;
  compared_rmse: number | null;
  last_decision: string | null;
  last_reason: string | null;
  ever_deployed: boolean;
  is_active: boolean;
}

export interface DriftSection {
  /** The prediction run whose drift is shown (the report's run, its parent, or the newest run with drift results). */
  runId: number;
  batchId: number | null;
  /** The model whose reference sample the batch was compared with. */
  referenceModel: number | null;
  referenceTable: string | null;
  features: FeatureDriftRow[];
  /** The run's data-drift decision, if recorded. */
  decision: DriftDecisionRow | null;
  numericBins: HistogramBin[];
  levelCounts: LevelCount[];
  /** Why some or all histograms are missing. */
  notes: string[];
}

export interface EvaluationSection {
  evaluation: EvaluationRow;
  /** Why this evaluation: the report's training run, or the active model's. */
  why: string;
  points: EvalPoint[];
  residualBins: ResidualBin[];
  notes: string[];
}

export interface ReportData {
  generatedAt: Date;
  dbPath: string;
  stage: string;
  run: RunRow;
  steps: StepRow[];
  related: RelatedRunRow[];
  decisions: DriftDecisionRow[];
  modelDrift: ModelDriftRow[];
  activeModel: ActiveModelRow | null;
  deployments: DeploymentRow[];
  drift: DriftSection | null;
  evaluation: EvaluationSection | null;
  models: ModelHistoryRow[];
  /** What changed when the run (or a retraining it started) trained a model against an active one. */
  retrained: ModelDiff[];
}

async function tableExists(db: PipelineDb, name: string): Promise<boolean> {
  const [row] = await runSqlFile<{ present: boolean }>(db, SQL, 'table_exists', { params: { table_name: name } });
  return Boolean(row?.present);
}

/** The run to report on: the one asked for, or the newest top-level run. */
async function chooseRun(db: PipelineDb, runId: number | undefined): Promise<RunRow> {
  let id = runId;
  if (id === undefined) {
    const rows = await runSqlFile<{ run_id: number }>(db, SQL, 'latest_run');
    if (!rows.length) throw new InputError(`database ${db.path} has no pipeline run yet: run a pipeline first (pipeline run --type TRAINING_PIPELINE)`);
    id = rows[0].run_id;
  }
  const [run] = await runSqlFile<RunRow>(db, SQL, 'run', { params: { run_id: id } });
  if (!run) throw new InputError(`run ${id} does not exist in ${db.path} (see: pipeline sql "select run_id, pipeline_type, status from pipeline_runs")`);
  return run;
}

async function loadDrift(db: PipelineDb, config: Config, run: RunRow): Promise<DriftSection | null> {
  const [target] = await runSqlFile<{ run_id: number; batch_id: number | null; model_version: number | null }>(db, SQL, 'drift_run', { params: { run_id: run.run_id } });
  if (!target) return null;
  const features = await runSqlFile<FeatureDriftRow>(db, SQL, 'data_drift_results', { params: { run_id: target.run_id } });
  const notes: string[] = [];
  let [ref] = await runSqlFile<{ model_version: number; reference_table: string }>(db, SQL, 'drift_reference_model', { params: { run_id: target.run_id } });
  if (!ref && target.model_version !== null) {
    [ref] = await runSqlFile<{ model_version: number; reference_table: string }>(db, SQL, 'model_reference', { params: { model_version: target.model_version } });
    if (ref) notes.push(`No deployment record covers the start of run ${target.run_id}; the reference sample shown is that of model v${ref.model_version}, which scored the run.`);
  }
  const section: DriftSection = {
    runId: target.run_id,
    batchId: target.batch_id,
    referenceModel: ref?.model_version ?? null,
    referenceTable: ref?.reference_table ?? null,
    features,
    decision: (await runSqlFile<DriftDecisionRow>(db, SQL, 'drift_decisions', { params: { run_id: target.run_id } })).find((x) => x.kind === 'data') ?? null,
    numericBins: [],
    levelCounts: [],
    notes,
  };
  if (target.batch_id === null) {
    notes.push(`Run ${target.run_id} records no batch, so there is nothing to draw the histograms from.`);
    return section;
  }
  if (!ref) {
    notes.push(`The reference model of run ${target.run_id} is unknown, so no histograms are drawn.`);
    return section;
  }
  if (!(await tableExists(db, ref.reference_table))) {
    notes.push(`The reference sample ${ref.reference_table} of model v${ref.model_version} no longer exists, so no histograms are drawn.`);
    return section;
  }
  const fs = featureSet(config.contract);
  const numericNames = new Set(features.filter((f) => f.feature_kind === 'numeric').map((f) => f.feature));
  const categoricalNames = new Set(features.filter((f) => f.feature_kind === 'categorical').map((f) => f.feature));
  const numerics = fs.numerics.filter((f) => numericNames.has(f.name));
  const categoricals = fs.categoricals.filter((c) => categoricalNames.has(c.name));
  const unknown = [...numericNames, ...categoricalNames].filter((n) => !numerics.some((f) => f.name === n) && !categoricals.some((c) => c.name === n));
  if (unknown.length) notes.push(`Not in the current contract's features, so not drawn: ${unknown.join(', ')}.`);
  const referenceTable = sql.id(ref.reference_table);
  if (numerics.length) {
    section.numericBins = await runSqlFile<HistogramBin>(db, SQL, 'numeric_histograms', {
      slots: {
        reference_columns: identList(numerics.map((f) => f.name)),
        reference_table: referenceTable,
        current_features: numericFeatureSelect(numerics),
      },
      params: { batch_id: target.batch_id, bins: HISTOGRAM_BINS },
    });
  }
  if (categoricals.length) {
    // The same level counts drift detection uses, over the whole batch.
    const columns = identList(categoricals.map((c) => c.name));
    section.levelCounts = await runSqlFile<LevelCount>(db, 'data_drift_detection', 'category_counts', {
      slots: { reference_columns: columns, current_features: columns, reference_table: referenceTable, current_rows: sql`(select * from raw_data where batch_id = ${target.batch_id})` },
    });
  }
  return section;
}

async function loadEvaluation(db: PipelineDb, run: RunRow, active: ActiveModelRow | null): Promise<EvaluationSection | null> {
  let evaluation: EvaluationRow | undefined;
  let why = '';
  if (run.pipeline_type === 'TRAINING_PIPELINE') {
    [evaluation] = await runSqlFile<EvaluationRow>(db, SQL, 'evaluation', { params: { run_id: run.run_id } });
    if (evaluation) why = `the evaluation of this report's training run ${run.run_id} (model v${evaluation.model_version})`;
  }
  if (!evaluation && active) {
    [evaluation] = await runSqlFile<EvaluationRow>(db, SQL, 'evaluation', { params: { run_id: active.training_run_id } });
    if (evaluation) why = `the evaluation of the active model v${active.model_version} (training run ${active.training_run_id})`;
  }
  if (!evaluation) return null;
  const section: EvaluationSection = { evaluation, why, points: [], residualBins: [], notes: [] };
  if (!(await tableExists(db, evaluation.predictions_table))) {
    section.notes.push(`The test predictions table ${evaluation.predictions_table} no longer exists, so no plots are drawn.`);
    return section;
  }
  const slots = { predictions_table: sql.id(evaluation.predictions_table) };
  section.points = await runSqlFile<EvalPoint>(db, SQL, 'eval_sample', { slots, params: { limit: SCATTER_POINTS } });
  section.residualBins = await runSqlFile<ResidualBin>(db, SQL, 'residual_histogram', { slots, params: { bins: HISTOGRAM_BINS } });
  return section;
}

/** The diffs of the models this run trained (or its drift-triggered retrainings trained) against the model they were gated against. */
async function loadRetrained(db: PipelineDb, config: Config, stage: string, run: RunRow): Promise<ModelDiff[]> {
  const pairs = await runSqlFile<{ new_version: number; old_version: number | null }>(db, SQL, 'retrained_models', { params: { run_id: run.run_id } });
  const diffs: ModelDiff[] = [];
  for (const p of pairs) if (p.old_version !== null) diffs.push(await diffModels(db, config, stage as Stage, p.old_version, p.new_version));
  return diffs;
}

/** Everything the report shows, read from the (read-only) stage database through the files in sql/report/. */
export async function loadReportData(db: PipelineDb, config: Config, opts: { stage: string; runId?: number }): Promise<ReportData> {
  const run = await chooseRun(db, opts.runId);
  const stage = run.stage ?? opts.stage;
  const params = { run_id: run.run_id };
  const steps = await runSqlFile<StepRow>(db, SQL, 'run_steps', { params });
  const related = await runSqlFile<RelatedRunRow>(db, SQL, 'related_runs', { params });
  const decisions = await runSqlFile<DriftDecisionRow>(db, SQL, 'drift_decisions', { params });
  const modelDrift = await runSqlFile<ModelDriftRow>(db, SQL, 'model_drift_results', { params });
  const [activeModel] = await runSqlFile<ActiveModelRow>(db, SQL, 'active_model', { params: { stage } });
  const deployments = await runSqlFile<DeploymentRow>(db, SQL, 'deployment_history', { params: { stage } });
  const drift = await loadDrift(db, config, run);
  const evaluation = await loadEvaluation(db, run, activeModel ?? null);
  const models = await runSqlFile<ModelHistoryRow>(db, SQL, 'model_history', { params: { stage } });
  const retrained = await loadRetrained(db, config, stage, run);
  return {
    generatedAt: new Date(),
    dbPath: db.path,
    stage,
    run,
    steps,
    related,
    decisions,
    modelDrift,
    activeModel: activeModel ?? null,
    deployments,
    drift,
    evaluation,
    models,
    retrained,
  };
}

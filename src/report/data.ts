import type { Config } from '../config/load.ts';
import type { PipelineDb } from '../db/database.ts';
import type { Selectable } from 'kysely';
import { tableExists } from '../db/catalog.ts';
import type { DataDriftResultsTable, DriftDecisionsTable, ModelDeploymentHistoryTable, ModelDriftResultsTable, ModelEvaluationMetadataTable, PipelineRunsTable, StepRunsTable } from '../db/tables.ts';
import { activeModelRecord, type ActiveModelRecord } from '../registry/active-model.ts';
import { runSqlFile } from '../db/sql-runner.ts';
import { sql } from 'kysely';
import { InputError } from '../errors.ts';
import type { Stage } from '../config/schema.ts';
import { diffModels, type ModelDiff } from '../inspect/model-diff.ts';

const SQL = 'report';

/** How many equal-width bins the feature and residual histograms have. */
export const HISTOGRAM_BINS = 30;
/** At most this many test rows are drawn in the evaluation scatter plots. */
export const SCATTER_POINTS = 2000;

/** A run, with its duration and the batch it read (sql/report/run.sql). */
export type RunRow = Pick<Selectable<PipelineRunsTable>, 'run_id' | 'pipeline_type' | 'stage' | 'status' | 'started_at' | 'ended_at' | 'error' | 'parent_run_id' | 'trigger_reason' | 'batch_id' | 'model_version' | 'config_hash'> & {
  duration_ms: number | null;
  source_file: string | null;
  batch_rows: number | null;
  batch_rows_labelled: number | null;
};

export type StepRow = Pick<Selectable<StepRunsTable>, (typeof STEP_COLUMNS)[number]>;
const STEP_COLUMNS = ['step_name', 'step_order', 'status', 'started_at', 'ended_at', 'duration_ms', 'rows_in', 'rows_out', 'message'] as const;

export type RelatedRunRow = { relation: 'parent' | 'child' } & Pick<Selectable<PipelineRunsTable>, 'run_id' | 'pipeline_type' | 'status' | 'started_at' | 'ended_at' | 'trigger_reason' | 'model_version'>;

/** A drift decision of a run: the rule that fired (too_few_rows, important_feature, share, prediction_distribution, rmse_ratio, none, …) and what was done. */
export type DriftDecisionRow = Pick<Selectable<DriftDecisionsTable>, (typeof DECISION_COLUMNS)[number]>;
const DECISION_COLUMNS = ['kind', 'drifted', 'rule', 'decision_level', 'n_tests', 'n_drifted', 'share_drifted', 'threshold', 'action', 'reason', 'child_run_id', 'decided_at'] as const;

export type TestRow = Pick<Selectable<DataDriftResultsTable>, 'method' | 'statistic' | 'p_value' | 'threshold' | 'n_ref' | 'n_cur' | 'drifted'>;

/** The practical effect size a test is held to besides its p-value. */
export type EffectColumns = Pick<Selectable<DataDriftResultsTable>, 'effect_method' | 'effect' | 'effect_threshold'>;

export type ModelDriftRow = Pick<Selectable<ModelDriftResultsTable>, (typeof MODEL_DRIFT_COLUMNS)[number]>;
const MODEL_DRIFT_COLUMNS = ['test', 'method', 'statistic', 'p_value', 'threshold', 'n_ref', 'n_cur', 'drifted', 'effect_method', 'effect', 'effect_threshold', 'judged'] as const;

/** A feature's drift test as stored (sql/report/data_drift_results.sql); `counted`: drifted at the dataset decision's level. */
export type FeatureDriftRow = Omit<Selectable<DataDriftResultsTable>, 'run_id' | 'detail'> & { detail: string | null };

export type ActiveModelRow = ActiveModelRecord;

export type DeploymentRow = Pick<Selectable<ModelDeploymentHistoryTable>, (typeof DEPLOYMENT_COLUMNS)[number]>;
const DEPLOYMENT_COLUMNS = ['deployment_id', 'run_id', 'model_version', 'decision', 'reason', 'decided_at', 'start_at', 'end_at'] as const;

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

export type EvaluationRow = Pick<Selectable<ModelEvaluationMetadataTable>, (typeof EVALUATION_COLUMNS)[number]>;
const EVALUATION_COLUMNS = ['run_id', 'model_version', 'active_model_version', 'n_test', 'new_rmse', 'new_mae', 'new_mape', 'new_r2', 'new_bias', 'active_rmse', 'active_mae', 'active_mape', 'active_r2', 'active_bias', 'predictions_table', 'created_at'] as const;

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


/** The run to report on: the one asked for, or the newest top-level run. */
/** The data and model drift decisions of a run. */
function driftDecisions(db: PipelineDb, runId: number): Promise<DriftDecisionRow[]> {
  return db.kysely.selectFrom('drift_decisions').select(DECISION_COLUMNS).where('run_id', '=', runId).orderBy('kind').execute();
}

/** The evaluation of a training run: the new model's and the then-active model's metrics on the same test rows. */
function evaluationOf(db: PipelineDb, runId: number): Promise<EvaluationRow | undefined> {
  return db.kysely.selectFrom('model_evaluation_metadata').select(EVALUATION_COLUMNS).where('run_id', '=', runId).executeTakeFirst();
}

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

/**
 * The histograms and level counts a run's data-drift tests counted, as saved with its results (data_drift_bins):
 * the report draws what the decision saw and recounts nothing. A run tested before they were saved has none.
 */
async function storedDriftBins(db: PipelineDb, runId: number): Promise<{ numericBins: HistogramBin[]; levelCounts: LevelCount[] } | null> {
  if (!(await tableExists(db, 'data_drift_bins'))) return null;
  const rows = await db.kysely
    .selectFrom('data_drift_bins')
    .select(['feature', 'feature_kind', 'bin', 'bin_start', 'bin_end', 'level', 'n_ref', 'n_cur'])
    .where('run_id', '=', runId)
    .orderBy('feature')
    .orderBy('bin')
    .execute();
  if (!rows.length) return null;
  const numericBins: HistogramBin[] = [];
  const levelCounts: LevelCount[] = [];
  for (const r of rows) {
    if (r.feature_kind === 'numeric') {
      const edges = { feature: r.feature, bin: r.bin, bin_start: r.bin_start ?? 0, bin_end: r.bin_end ?? 0 };
      numericBins.push({ ...edges, sample: 'reference', n: r.n_ref }, { ...edges, sample: 'current', n: r.n_cur });
    } else {
      levelCounts.push({ feature: r.feature, level: r.level ?? '', n_ref: r.n_ref, n_cur: r.n_cur });
    }
  }
  return { numericBins, levelCounts };
}

async function loadDrift(db: PipelineDb, run: RunRow): Promise<DriftSection | null> {
  const [target] = await runSqlFile<{ run_id: number; batch_id: number | null; model_version: number | null }>(db, SQL, 'drift_run', { params: { run_id: run.run_id } });
  if (!target) return null;
  const features = await runSqlFile<FeatureDriftRow>(db, SQL, 'data_drift_results', { params: { run_id: target.run_id } });
  const notes: string[] = [];
  let ref: { model_version: number; reference_table: string } | undefined = (await runSqlFile<{ model_version: number; reference_table: string }>(db, SQL, 'drift_reference_model', { params: { run_id: target.run_id } }))[0];
  if (!ref && target.model_version !== null) {
    ref = await db.kysely.selectFrom('models').select(['model_version', 'reference_table']).where('model_version', '=', target.model_version).executeTakeFirst();
    if (ref) notes.push(`No deployment record covers the start of run ${target.run_id}; its reference was that of model v${ref.model_version}, which scored the run.`);
  }
  const stored = features.length ? await storedDriftBins(db, target.run_id) : null;
  if (features.length && !stored) {
    notes.push(`Run ${target.run_id} was tested before the histograms its drift tests counted were saved with the results, so no histograms are drawn (recounting now could show other rows than the tests saw).`);
  }
  return {
    runId: target.run_id,
    batchId: target.batch_id,
    referenceModel: ref?.model_version ?? null,
    referenceTable: ref?.reference_table ?? null,
    features,
    decision: (await driftDecisions(db, target.run_id)).find((x) => x.kind === 'data') ?? null,
    numericBins: stored?.numericBins ?? [],
    levelCounts: stored?.levelCounts ?? [],
    notes,
  };
}

async function loadEvaluation(db: PipelineDb, run: RunRow, active: ActiveModelRow | null): Promise<EvaluationSection | null> {
  let evaluation: EvaluationRow | undefined;
  let why = '';
  if (run.pipeline_type === 'TRAINING_PIPELINE') {
    evaluation = await evaluationOf(db, run.run_id);
    if (evaluation) why = `the evaluation of this report's training run ${run.run_id} (model v${evaluation.model_version})`;
  }
  if (!evaluation && active) {
    evaluation = await evaluationOf(db, active.training_run_id);
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
  const steps: StepRow[] = await db.kysely.selectFrom('step_runs').select(STEP_COLUMNS).where('run_id', '=', run.run_id).orderBy('step_order').orderBy('started_at').execute();
  const related = await runSqlFile<RelatedRunRow>(db, SQL, 'related_runs', { params });
  const decisions = await driftDecisions(db, run.run_id);
  const modelDrift: ModelDriftRow[] = await db.kysely.selectFrom('model_drift_results').select(MODEL_DRIFT_COLUMNS).where('run_id', '=', run.run_id).orderBy('test').execute();
  const activeModel = await activeModelRecord(db, stage);
  const deployments: DeploymentRow[] = await db.kysely.selectFrom('model_deployment_history').select(DEPLOYMENT_COLUMNS).where('stage', '=', stage).orderBy('deployment_id', 'desc').execute();
  const drift = await loadDrift(db, run);
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

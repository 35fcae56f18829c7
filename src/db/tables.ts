/**
 * Row types of the tables the migrations create (their grain in docs/tables.md), for Kysely's typed query builder:
 * the one copy of them. tests/unit/db/tables.test.ts checks every interface against the migrated schema (a column
 * per property, its type and nullability), so a migration that changes a table fails until this file follows.
 * The tables whose columns come from the dataset contract (raw_data, served_predictions, per-run tables) are not
 * here: their SQL is built from the contract.
 */
import type { ColumnType } from 'kysely';

/** TIMESTAMP: read as a UTC Date, written as a Date or an ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** TIMESTAMP with a default: may be left out of an insert, never updated. */
export type TimestampDefault = ColumnType<Date, Date | string | undefined, never>;
/** JSON: read as DuckDB returns it (text), written as JSON text. */
export type Json = ColumnType<unknown, string, string>;

export interface SchemaMigrationsTable { version: number; name: string; checksum: string; applied_at: Timestamp }
export interface DatasetContractsTable { contract_hash: string; dataset_name: string; columns_json: Json; registered_at: TimestampDefault }
export interface IngestBatchesTable {
  batch_id: number; source_file: string; file_format: string; checksum_sha256: string; file_bytes: number;
  rows_read: number; rows_accepted: number; rows_quarantined: number; has_target: boolean; rows_labelled: number;
  min_time: string | null; max_time: string | null; forced: boolean; origin: string; ingested_at: Timestamp;
}
export interface QuarantineTable { batch_id: number; source_row: number; raw_values: Json | null; reasons: string[]; quarantined_at: Timestamp }
export interface PipelineRunsTable {
  run_id: number; pipeline_type: string; stage: string; status: string; started_at: Timestamp; ended_at: Timestamp | null;
  error: string | null; parent_run_id: number | null; trigger_reason: string | null; batch_id: number | null;
  model_version: number | null; config_hash: string | null; pid: number | null; hostname: string | null; skip_reason: string | null;
}
export interface StepRunsTable {
  run_id: number; step_name: string; step_order: number; status: string; started_at: Timestamp; ended_at: Timestamp | null;
  duration_ms: number | null; rows_in: number | null; rows_out: number | null; message: string | null; input_fingerprint: string | null;
}
export interface DataProcessingMetadataTable {
  run_id: number; mode: string; fitted_run_id: number; batch_id: number | null; processed_table: string; row_count: number;
  column_count: number; numeric_features: string[]; categorical_features: string[]; schema_json: Json; feature_stats: Json;
  levels: Json; scaling: Json; clip_bounds: Json; replay_counts: Json | null; created_at: Timestamp;
}
export interface TrainTestSplitMetadataTable {
  run_id: number; method: string; seed: number | null; test_fraction: number; time_cutoff: string | null; n_train: number; n_test: number;
  train_min_time: string | null; train_max_time: string | null; test_min_time: string | null; test_max_time: string | null;
  train_view: string; test_view: string; created_at: Timestamp;
}
export interface ModelsTable {
  model_version: number; run_id: number; algorithm: string; target: string; numeric_features: string[]; categorical_features: string[];
  design_columns: string[]; intercept: number; coefficients: number[]; coefficients_original: Json; hyperparameters: Json;
  n_train: number; r2_train: number; rmse_train: number; residual_variance: number; dof_residual: number; feature_means: number[];
  cov_unscaled: Json; mean_leverage: number; dropped_features: Json; data_fingerprint: string; reference_table: string;
  created_at: Timestamp; input_fingerprint: string | null; training_config_hash: string | null; source_stage: string | null;
  source_model_version: number | null; source_run_id: number | null; source_lineage: Json | null; refit_of: number | null; fit_scope: string | null;
}
export interface ModelTrainingMetadataTable {
  run_id: number; model_version: number; n_rows: number; n_design_columns: number; groups: number; window_from: string | null;
  window_to: string | null; batches: number[]; r2_train: number; rmse_train: number; dropped_features: Json; warnings: Json;
  duration_ms: number; created_at: Timestamp;
}
export interface ModelEvaluationMetadataTable {
  run_id: number; model_version: number; active_model_version: number | null; n_test: number; mape_rows: number;
  new_rmse: number; new_mae: number; new_mape: number | null; new_r2: number; new_bias: number;
  active_rmse: number | null; active_mae: number | null; active_mape: number | null; active_r2: number | null; active_bias: number | null;
  predictions_table: string; created_at: Timestamp; interval_level: number | null; normal_coverage: number | null;
  conformal_coverage: number | null; coverage_tolerance: number | null; interval_choice: string | null; interval_choice_reason: string | null;
  conformal_quantile: number | null; conformal_group: string | null; conformal_group_quantiles: Json | null; evaluated_model_version: number | null;
}
export interface ModelDeploymentHistoryTable {
  deployment_id: number; run_id: number | null; model_version: number; stage: string; decision: string; reason: string;
  evidence: Json; decided_at: Timestamp; start_at: Timestamp | null; end_at: Timestamp | null;
}
export interface ActiveModelTable { stage: string; model_version: number; deployment_id: number; activated_at: Timestamp }
export interface StagePinsTable { stage: string; model_version: number; reason: string | null; pinned_at: Timestamp; deployment_id: number }
export interface DataDriftResultsTable {
  run_id: number; feature: string; feature_kind: string; method: string; statistic: number | null; p_value: number | null;
  threshold: number; n_ref: number; n_cur: number; drifted: boolean; detail: Json | null; effect_method: string | null;
  effect: number | null; effect_threshold: number | null; missing_share_ref: number | null; missing_share_cur: number | null;
  missing_p_value: number | null; p_value_adjusted: number | null; importance: number | null; used_by_model: boolean | null;
  counted: boolean | null; signal: string | null;
}
export interface DataDriftBinsTable {
  run_id: number; feature: string; feature_kind: string; bin: number; bin_start: number | null; bin_end: number | null;
  level: string | null; is_missing: boolean; n_ref: number; n_cur: number;
}
export interface ModelDriftResultsTable {
  run_id: number; test: string; method: string; statistic: number | null; p_value: number | null; threshold: number;
  n_ref: number; n_cur: number; drifted: boolean; detail: Json | null; effect_method: string | null; effect: number | null;
  effect_threshold: number | null; judged: boolean | null;
}
export interface DriftDecisionsTable {
  run_id: number; kind: string; drifted: boolean; n_tests: number; n_drifted: number; share_drifted: number | null;
  threshold: number | null; action: string; reason: string; child_run_id: number | null; reference_model_version: number | null;
  decided_at: Timestamp; rule: string | null; decision_level: number | null;
}
export interface BatchEvaluationsTable {
  run_id: number; model_version: number; role: string; predictions_table: string; n_actual: number; rmse: number | null;
  mae: number | null; bias: number | null; interval_level: number | null; coverage: number | null; evaluation_rmse: number | null;
  n_test: number | null; f_statistic: number | null; f_p_value: number | null; coverage_p_value: number | null;
  p_value_threshold: number | null; failed: boolean | null; reason: string; created_at: Timestamp;
}

/** Every table the migrations create, by name: what `db.kysely` is typed with. */
export interface Database {
  schema_migrations: SchemaMigrationsTable;
  dataset_contracts: DatasetContractsTable;
  ingest_batches: IngestBatchesTable;
  quarantine: QuarantineTable;
  pipeline_runs: PipelineRunsTable;
  step_runs: StepRunsTable;
  data_processing_metadata: DataProcessingMetadataTable;
  train_test_split_metadata: TrainTestSplitMetadataTable;
  models: ModelsTable;
  model_training_metadata: ModelTrainingMetadataTable;
  model_evaluation_metadata: ModelEvaluationMetadataTable;
  model_deployment_history: ModelDeploymentHistoryTable;
  active_model: ActiveModelTable;
  stage_pins: StagePinsTable;
  data_drift_results: DataDriftResultsTable;
  data_drift_bins: DataDriftBinsTable;
  model_drift_results: ModelDriftResultsTable;
  drift_decisions: DriftDecisionsTable;
  batch_evaluations: BatchEvaluationsTable;
}

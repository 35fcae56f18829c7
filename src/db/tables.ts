/** Row types of the metadata tables, for Kysely's typed query builder. Grain of each table in the README. */
import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json = ColumnType<unknown, string, string>;

export interface SchemaMigrationsTable { version: number; name: string; checksum: string; applied_at: Timestamp }
export interface DatasetContractsTable { contract_hash: string; dataset_name: string; columns_json: Json; registered_at: ColumnType<Date, Date | string | undefined, never> }
export interface IngestBatchesTable {
  batch_id: number; source_file: string; file_format: string; checksum_sha256: string; file_bytes: number;
  rows_read: number; rows_accepted: number; rows_quarantined: number; has_target: boolean; rows_labelled: number;
  min_time: string | null; max_time: string | null; forced: boolean; origin: string; ingested_at: Timestamp;
}
export interface QuarantineTable { batch_id: number; source_row: number; raw_values: Json; reasons: string[]; quarantined_at: Timestamp }
export interface PipelineRunsTable {
  run_id: number; pipeline_type: string; stage: string; status: string; started_at: Timestamp; ended_at: Timestamp | null;
  error: string | null; parent_run_id: number | null; trigger_reason: string | null; batch_id: number | null;
  model_version: number | null; config_hash: string | null; pid: number | null; hostname: string | null;
}
export interface StepRunsTable {
  run_id: number; step_name: string; step_order: number; status: string; started_at: Timestamp; ended_at: Timestamp | null;
  duration_ms: number | null; rows_in: number | null; rows_out: number | null; message: string | null; input_fingerprint: string | null;
}
export interface ActiveModelTable { stage: string; model_version: number; deployment_id: number; activated_at: Timestamp }
export interface ModelDeploymentHistoryTable {
  deployment_id: number; run_id: number | null; model_version: number; stage: string; decision: string; reason: string;
  evidence: Json; decided_at: Timestamp; start_at: Timestamp | null; end_at: Timestamp | null;
}

/** The tables Kysely's builder knows. Steps reach the others through their `.sql` files. */
export interface Database {
  schema_migrations: SchemaMigrationsTable;
  dataset_contracts: DatasetContractsTable;
  ingest_batches: IngestBatchesTable;
  quarantine: QuarantineTable;
  pipeline_runs: PipelineRunsTable;
  step_runs: StepRunsTable;
  active_model: ActiveModelTable;
  model_deployment_history: ModelDeploymentHistoryTable;
}

-- Metadata tables of the pipeline. The data tables whose columns come from the dataset contract
-- (raw_data, served_predictions) are created from the contract on first use; see src/db/data-tables.ts.

create sequence if not exists ingest_batch_id_seq start 1;
create sequence if not exists run_id_seq start 1;
create sequence if not exists model_version_seq start 1;
create sequence if not exists deployment_id_seq start 1;

-- one row per dataset contract a database has held (raw_data's columns follow the current one)
create table if not exists dataset_contracts (
    contract_hash varchar primary key,
    dataset_name varchar not null,
    columns_json json not null,
    registered_at timestamp not null default current_timestamp
);

-- one row per ingested file
create table if not exists ingest_batches (
    batch_id integer primary key,
    source_file varchar not null,
    file_format varchar not null,
    checksum_sha256 varchar not null,
    file_bytes bigint not null,
    rows_read bigint not null,
    rows_accepted bigint not null,
    rows_quarantined bigint not null,
    has_target boolean not null,
    rows_labelled bigint not null,
    min_time varchar,
    max_time varchar,
    forced boolean not null default false,
    origin varchar not null default 'ingest',
    ingested_at timestamp not null
);

-- one row per rejected raw row: which file row, its raw values, and every reason
create table if not exists quarantine (
    batch_id integer not null,
    source_row bigint not null,
    raw_values json,
    reasons varchar[] not null,
    quarantined_at timestamp not null,
    primary key (batch_id, source_row)
);

-- one row per pipeline run
create table if not exists pipeline_runs (
    run_id integer primary key,
    pipeline_type varchar not null,
    stage varchar not null,
    status varchar not null,
    started_at timestamp not null,
    ended_at timestamp,
    error varchar,
    parent_run_id integer,
    trigger_reason varchar,
    batch_id integer,
    model_version integer,
    config_hash varchar,
    pid integer,
    hostname varchar
);

-- one row per step of a run
create table if not exists step_runs (
    run_id integer not null,
    step_name varchar not null,
    step_order integer not null,
    status varchar not null,
    started_at timestamp not null,
    ended_at timestamp,
    duration_ms double,
    rows_in bigint,
    rows_out bigint,
    message varchar,
    input_fingerprint varchar,
    primary key (run_id, step_name)
);

-- one row per processing of a run: a training run fits (run_id = fitted_run_id); a prediction run replays
-- the active model's processing, and again with the new model's after a drift-triggered retraining
create table if not exists data_processing_metadata (
    run_id integer not null,
    mode varchar not null,
    fitted_run_id integer not null,
    batch_id integer,
    processed_table varchar not null,
    row_count bigint not null,
    column_count integer not null,
    numeric_features varchar[] not null,
    categorical_features varchar[] not null,
    schema_json json not null,
    feature_stats json not null,
    levels json not null,
    scaling json not null,
    clip_bounds json not null,
    replay_counts json,
    created_at timestamp not null,
    primary key (run_id, fitted_run_id)
);

-- one row per train/test split
create table if not exists train_test_split_metadata (
    run_id integer primary key,
    method varchar not null,
    seed integer,
    test_fraction double not null,
    time_cutoff varchar,
    n_train bigint not null,
    n_test bigint not null,
    train_min_time varchar,
    train_max_time varchar,
    test_min_time varchar,
    test_max_time varchar,
    train_view varchar not null,
    test_view varchar not null,
    created_at timestamp not null
);

-- one row per model version
create table if not exists models (
    model_version integer primary key,
    run_id integer not null,
    algorithm varchar not null,
    target varchar not null,
    numeric_features varchar[] not null,
    categorical_features varchar[] not null,
    design_columns varchar[] not null,
    intercept double not null,
    coefficients double[] not null,
    coefficients_original json not null,
    hyperparameters json not null,
    n_train bigint not null,
    r2_train double not null,
    rmse_train double not null,
    residual_variance double not null,
    dof_residual bigint not null,
    feature_means double[] not null,
    cov_unscaled json not null,
    mean_leverage double not null,
    dropped_features json not null,
    data_fingerprint varchar not null,
    reference_table varchar not null,
    created_at timestamp not null
);

-- one row per training step
create table if not exists model_training_metadata (
    run_id integer primary key,
    model_version integer not null,
    n_rows bigint not null,
    n_design_columns integer not null,
    groups integer not null,
    window_from varchar,
    window_to varchar,
    batches integer[] not null,
    r2_train double not null,
    rmse_train double not null,
    dropped_features json not null,
    warnings json not null,
    duration_ms double not null,
    created_at timestamp not null
);

-- one row per evaluation: the new model and the active one on the same test rows
create table if not exists model_evaluation_metadata (
    run_id integer primary key,
    model_version integer not null,
    active_model_version integer,
    n_test bigint not null,
    mape_rows bigint not null,
    new_rmse double not null,
    new_mae double not null,
    new_mape double,
    new_r2 double not null,
    new_bias double not null,
    active_rmse double,
    active_mae double,
    active_mape double,
    active_r2 double,
    active_bias double,
    predictions_table varchar not null,
    created_at timestamp not null
);

-- one row per gate decision, rollback or promotion
create table if not exists model_deployment_history (
    deployment_id integer primary key,
    run_id integer,
    model_version integer not null,
    stage varchar not null,
    decision varchar not null,
    reason varchar not null,
    evidence json not null,
    decided_at timestamp not null,
    start_at timestamp,
    end_at timestamp
);

-- one row per stage: the model serving now
create table if not exists active_model (
    stage varchar primary key,
    model_version integer not null,
    deployment_id integer not null,
    activated_at timestamp not null
);

-- one row per feature and prediction run
create table if not exists data_drift_results (
    run_id integer not null,
    feature varchar not null,
    feature_kind varchar not null,
    method varchar not null,
    statistic double,
    p_value double,
    threshold double not null,
    n_ref bigint not null,
    n_cur bigint not null,
    drifted boolean not null,
    detail json,
    primary key (run_id, feature)
);

-- one row per model-drift test and prediction run
create table if not exists model_drift_results (
    run_id integer not null,
    test varchar not null,
    method varchar not null,
    statistic double,
    p_value double,
    threshold double not null,
    n_ref bigint not null,
    n_cur bigint not null,
    drifted boolean not null,
    detail json,
    primary key (run_id, test)
);

-- one row per drift decision (data or model) of a prediction run
create table if not exists drift_decisions (
    run_id integer not null,
    kind varchar not null,
    drifted boolean not null,
    n_tests integer not null,
    n_drifted integer not null,
    share_drifted double,
    threshold double,
    action varchar not null,
    reason varchar not null,
    child_run_id integer,
    reference_model_version integer,
    decided_at timestamp not null,
    primary key (run_id, kind)
);

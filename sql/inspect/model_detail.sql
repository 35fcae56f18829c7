select
    m.model_version, m.run_id, m.created_at, m.algorithm, m.target, m.numeric_features, m.categorical_features,
    m.design_columns, m.intercept, m.coefficients, m.coefficients_original::varchar as coefficients_original,
    m.hyperparameters::varchar as hyperparameters, m.n_train, m.r2_train, m.rmse_train, m.residual_variance,
    m.dropped_features::varchar as dropped_features, m.data_fingerprint, m.reference_table,
    t.batches, t.window_from, t.window_to, t.n_rows, t.warnings::varchar as warnings,
    e.n_test, e.new_rmse, e.new_mae, e.new_mape, e.new_r2, e.new_bias, e.active_model_version, e.active_rmse,
    e.active_mae, e.active_mape, e.active_r2, e.active_bias, e.predictions_table,
    s.method as split_method, s.seed as split_seed, s.test_fraction, s.n_train as split_n_train, s.n_test as split_n_test,
    s.train_min_time, s.train_max_time, s.test_min_time, s.test_max_time,
    m.input_fingerprint, m.training_config_hash,
    r.pipeline_type as run_type, r.parent_run_id, r.trigger_reason,
    m.source_stage, m.source_model_version, m.source_run_id, m.source_lineage::varchar as source_lineage,
    m.refit_of, m.fit_scope, e.evaluated_model_version, e.interval_level, e.normal_coverage, e.conformal_coverage,
    e.interval_choice, e.interval_choice_reason
from models m
left join pipeline_runs r on r.run_id = m.run_id
left join model_training_metadata t on t.run_id = m.run_id and t.model_version = m.model_version
left join model_evaluation_metadata e on e.run_id = m.run_id and e.model_version = m.model_version
left join train_test_split_metadata s on s.run_id = m.run_id
where m.model_version = $model_version

-- The model under a new version and run id in this database, naming where it came from (source_*); its origin also
-- goes into hyperparameters (promoted_from), as before migration 003.
insert into models (
    model_version, run_id, algorithm, target, numeric_features, categorical_features, design_columns, intercept,
    coefficients, coefficients_original, hyperparameters, n_train, r2_train, rmse_train, residual_variance,
    dof_residual, feature_means, cov_unscaled, mean_leverage, dropped_features, data_fingerprint, reference_table,
    created_at, input_fingerprint, training_config_hash, source_stage, source_model_version, source_run_id, source_lineage,
    refit_of, fit_scope
)
select
    $new_version as model_version,
    $new_run_id as run_id,
    algorithm, target, numeric_features, categorical_features, design_columns, intercept, coefficients,
    coefficients_original,
    json_merge_patch(hyperparameters, $origin::json) as hyperparameters,
    n_train, r2_train, rmse_train, residual_variance, dof_residual, feature_means, cov_unscaled, mean_leverage,
    dropped_features, data_fingerprint,
    $reference_table as reference_table,
    created_at,
    input_fingerprint,
    training_config_hash,
    $source_stage as source_stage,
    model_version as source_model_version,
    run_id as source_run_id,
    $source_lineage::json as source_lineage,
    -- a version number of the source database: the source's own lineage is in source_model_version / source_lineage
    null as refit_of,
    fit_scope
from promote_source.main.models
where model_version = $model_version

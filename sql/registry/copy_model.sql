-- The model under a new version and run id in this database; its origin goes into hyperparameters.
insert into models
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
    -- a version number of the source database: its lineage is in hyperparameters.promoted_from
    null as refit_of,
    fit_scope
from promote_source.main.models
where model_version = $model_version

insert into models (
    model_version, run_id, algorithm, target, numeric_features, categorical_features, design_columns, intercept,
    coefficients, coefficients_original, hyperparameters, n_train, r2_train, rmse_train, residual_variance,
    dof_residual, feature_means, cov_unscaled, mean_leverage, dropped_features, data_fingerprint, reference_table, created_at,
    input_fingerprint, training_config_hash, refit_of, fit_scope
)
values (
    $model_version, $run_id, $algorithm, $target, from_json($numeric_features, '["VARCHAR"]'),
    from_json($categorical_features, '["VARCHAR"]'), from_json($design_columns, '["VARCHAR"]'), $intercept,
    from_json($coefficients, '["DOUBLE"]'), $coefficients_original, $hyperparameters, $n_train, $r2_train, $rmse_train,
    $residual_variance, $dof_residual, from_json($feature_means, '["DOUBLE"]'), $cov_unscaled, $mean_leverage,
    $dropped_features, $data_fingerprint, $reference_table, $now::timestamp, $input_fingerprint, $training_config_hash,
    $refit_of, $fit_scope
)

insert into model_training_metadata (
    run_id, model_version, n_rows, n_design_columns, groups, window_from, window_to, batches, r2_train, rmse_train,
    dropped_features, warnings, duration_ms, created_at
)
values ($run_id, $model_version, $n_rows, $n_design_columns, $groups, $window_from, $window_to,
        from_json($batches, '["INTEGER"]'), $r2_train, $rmse_train, $dropped_features, $warnings, $duration_ms, $now::timestamp)

insert or replace into data_processing_metadata (
    run_id, mode, fitted_run_id, batch_id, processed_table, row_count, column_count, numeric_features,
    categorical_features, schema_json, feature_stats, levels, scaling, clip_bounds, replay_counts, created_at
)
values (
    $run_id, $mode, $fitted_run_id, $batch_id, $processed_table, $row_count, $column_count,
    from_json($numeric_features, '["VARCHAR"]'), from_json($categorical_features, '["VARCHAR"]'),
    $schema_json, $feature_stats, $levels, $scaling, $clip_bounds, $replay_counts, $now::timestamp
)

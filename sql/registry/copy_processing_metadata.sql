insert into data_processing_metadata
select
    $new_run_id as run_id, mode, $new_run_id as fitted_run_id, batch_id, processed_table, row_count, column_count,
    numeric_features, categorical_features, schema_json, feature_stats, levels, scaling, clip_bounds, replay_counts, created_at
from promote_source.main.data_processing_metadata
where run_id = $run_id and fitted_run_id = $run_id

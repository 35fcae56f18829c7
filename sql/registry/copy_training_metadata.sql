-- The source's training metadata; batches is emptied: its ids are the source stage's (models.source_lineage lists them).
insert into model_training_metadata
select
    $new_run_id as run_id, $new_version as model_version, n_rows, n_design_columns, groups, window_from, window_to,
    []::integer[] as batches, r2_train, rmse_train, dropped_features, warnings, duration_ms, created_at
from promote_source.main.model_training_metadata
where run_id = $run_id

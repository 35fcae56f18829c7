-- A run's predictions as its served rows. {{flags}}: the rows' own flags, with the run's (drift) flags added when it has any.
insert into served_predictions
select
    $run_id as run_id,
    batch_id,
    source_row,
    {{key_columns}},
    prediction,
    prediction_lower,
    prediction_upper,
    $interval_level as interval_level,
    $model_version as model_version,
    {{flags}} as flags,
    $now::timestamp as served_at,
    null::integer as superseded_by_run
from {{predictions_table}}

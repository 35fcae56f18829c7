-- The fitted parameters of a training run's processing, for replay.
select fitted_run_id, scaling::varchar as scaling, clip_bounds::varchar as clip_bounds, levels::varchar as levels, feature_stats::varchar as feature_stats,
       numeric_features, categorical_features
from data_processing_metadata
where run_id = $run_id and fitted_run_id = $run_id

-- The interval calibration stored with a model's evaluation: what auto chose and the conformal half-widths.
select interval_level, interval_choice, conformal_quantile, conformal_group, conformal_group_quantiles::varchar as conformal_group_quantiles
from model_evaluation_metadata
where run_id = $run_id

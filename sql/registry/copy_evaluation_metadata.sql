insert into model_evaluation_metadata
select
    $new_run_id as run_id, $new_version as model_version, null as active_model_version, n_test, mape_rows,
    new_rmse, new_mae, new_mape, new_r2, new_bias, null, null, null, null, null,
    $predictions_table as predictions_table, created_at,
    interval_level, normal_coverage, conformal_coverage, coverage_tolerance, interval_choice, interval_choice_reason,
    conformal_quantile, conformal_group, conformal_group_quantiles, null as evaluated_model_version
from promote_source.main.model_evaluation_metadata
where run_id = $run_id

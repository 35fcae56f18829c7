-- A refit has no held-out rows of its own: its evaluation row is the gated model's, on that model's test rows,
-- named as such (evaluated_model_version), including the interval calibration its serving uses.
insert into model_evaluation_metadata (
    run_id, model_version, active_model_version, n_test, mape_rows, new_rmse, new_mae, new_mape, new_r2, new_bias,
    active_rmse, active_mae, active_mape, active_r2, active_bias, predictions_table, created_at,
    interval_level, normal_coverage, conformal_coverage, coverage_tolerance, interval_choice, interval_choice_reason,
    conformal_quantile, conformal_group, conformal_group_quantiles, evaluated_model_version
)
select
    $run_id, $model_version, active_model_version, n_test, mape_rows, new_rmse, new_mae, new_mape, new_r2, new_bias,
    active_rmse, active_mae, active_mape, active_r2, active_bias, predictions_table, $now::timestamp,
    interval_level, normal_coverage, conformal_coverage, coverage_tolerance, interval_choice, interval_choice_reason,
    conformal_quantile, conformal_group, conformal_group_quantiles, model_version
from model_evaluation_metadata
where run_id = $gated_run_id

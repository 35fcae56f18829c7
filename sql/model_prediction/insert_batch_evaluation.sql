insert or replace into batch_evaluations (
    run_id, model_version, role, predictions_table, n_actual, rmse, mae, bias, interval_level, coverage,
    evaluation_rmse, n_test, f_statistic, f_p_value, coverage_p_value, p_value_threshold, failed, reason, created_at
)
values ($run_id, $model_version, $role, $predictions_table, $n_actual, $rmse, $mae, $bias, $interval_level, $coverage,
        $evaluation_rmse, $n_test, $f_statistic, $f_p_value, $coverage_p_value, $p_value_threshold, $failed, $reason, $now::timestamp)

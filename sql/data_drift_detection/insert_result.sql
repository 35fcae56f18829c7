insert into data_drift_results (run_id, feature, feature_kind, method, statistic, p_value, threshold, n_ref, n_cur, drifted, detail)
values ($run_id, $feature, $feature_kind, $method, $statistic, $p_value, $threshold, $n_ref, $n_cur, $drifted, $detail)

insert or replace into model_drift_results (run_id, test, method, statistic, p_value, threshold, n_ref, n_cur, drifted, detail, effect_method, effect, effect_threshold, judged)
values ($run_id, $test, $method, $statistic, $p_value, $threshold, $n_ref, $n_cur, $drifted, $detail, $effect_method, $effect, $effect_threshold, $judged)

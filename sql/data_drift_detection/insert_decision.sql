insert or replace into drift_decisions (run_id, kind, drifted, n_tests, n_drifted, share_drifted, threshold, action, reason, child_run_id, reference_model_version, decided_at, rule, decision_level)
values ($run_id, $kind, $drifted, $n_tests, $n_drifted, $share_drifted, $threshold, $action, $reason, $child_run_id, $reference_model_version, $now::timestamp, $rule, $decision_level)

insert or replace into drift_decisions (run_id, kind, drifted, n_tests, n_drifted, share_drifted, threshold, action, reason, child_run_id, decided_at)
values ($run_id, $kind, $drifted, $n_tests, $n_drifted, $share_drifted, $threshold, $action, $reason, $child_run_id, $now::timestamp)

-- The data and model drift decisions of a run, the rule that fired, and what was done about them.
select kind, drifted, rule, decision_level, n_tests, n_drifted, share_drifted, threshold, action, reason, child_run_id, decided_at
from drift_decisions
where run_id = $run_id
order by kind

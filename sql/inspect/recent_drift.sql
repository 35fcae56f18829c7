select run_id, kind, drifted, rule, n_drifted, n_tests, action, reason, child_run_id, decided_at
from drift_decisions
order by run_id desc, kind
limit $limit

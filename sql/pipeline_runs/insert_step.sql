insert into step_runs (run_id, step_name, step_order, status, started_at)
values ($run_id, $step_name, $step_order, 'running', $now::timestamp)

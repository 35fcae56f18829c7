-- The steps of a run in the order they ran.
select step_name, step_order, status, started_at, ended_at, duration_ms, rows_in, rows_out, message
from step_runs
where run_id = $run_id
order by step_order, started_at

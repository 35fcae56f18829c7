update step_runs
set status = 'aborted', ended_at = $now::timestamp, message = coalesce(message, 'process ended during this step')
where status = 'running'

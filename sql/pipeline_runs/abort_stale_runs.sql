-- One process holds a database's write lock, so a run still 'running' when a process opens it belongs to a dead process.
update pipeline_runs
set status = 'aborted', ended_at = $now::timestamp, error = coalesce(error, 'process ended before the run finished (found at start of a later run)')
where status = 'running'
returning run_id

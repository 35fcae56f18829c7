update pipeline_runs
set status = 'running', ended_at = null, error = null,
    trigger_reason = coalesce(trigger_reason || '; ', '') || 'resumed at ' || $now || ' from step ' || $step
where run_id = $run_id

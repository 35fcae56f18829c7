update pipeline_runs
set status = 'skipped', ended_at = $now::timestamp, skip_reason = $skip_reason, model_version = $model_version
where run_id = $run_id

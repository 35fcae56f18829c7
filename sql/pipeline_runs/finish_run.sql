update pipeline_runs
set status = $status, ended_at = $now::timestamp, error = $error, model_version = coalesce($model_version, model_version)
where run_id = $run_id

update step_runs
set status = $status, ended_at = $now::timestamp, duration_ms = $duration_ms, rows_in = $rows_in, rows_out = $rows_out,
    message = $message, input_fingerprint = $input_fingerprint
where run_id = $run_id and step_name = $step_name

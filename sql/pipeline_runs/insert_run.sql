insert into pipeline_runs (run_id, pipeline_type, stage, status, started_at, parent_run_id, trigger_reason, batch_id, config_hash, pid, hostname)
values (nextval('run_id_seq'), $pipeline_type, $stage, 'running', $now::timestamp, $parent_run_id, $trigger_reason, $batch_id, $config_hash, $pid, $hostname)
returning run_id

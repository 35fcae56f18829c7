insert into pipeline_runs (run_id, pipeline_type, stage, status, started_at, ended_at, trigger_reason, config_hash, pid, hostname)
values (nextval('run_id_seq'), 'PROMOTION', $stage, 'succeeded', $now::timestamp, $now::timestamp, $reason, $config_hash, $pid, $hostname)
returning run_id

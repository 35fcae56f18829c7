select run_id, pipeline_type, stage, status, config_hash, batch_id, parent_run_id
from pipeline_runs
where run_id = $run_id

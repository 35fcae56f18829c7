select
    run_id,
    pipeline_type,
    status,
    started_at,
    round(epoch(ended_at) - epoch(started_at), 2) as duration_s,
    parent_run_id,
    batch_id,
    model_version,
    error,
    skip_reason
from pipeline_runs
order by run_id desc
limit $limit

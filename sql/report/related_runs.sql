-- The parent of a run and the runs it started (drift-triggered retraining), with the model each produced or used.
select
    case when r.run_id = (select parent_run_id from pipeline_runs where run_id = $run_id) then 'parent' else 'child' end as relation,
    r.run_id,
    r.pipeline_type,
    r.status,
    r.started_at,
    r.ended_at,
    r.trigger_reason,
    r.model_version
from pipeline_runs r
where r.parent_run_id = $run_id
   or r.run_id = (select parent_run_id from pipeline_runs where run_id = $run_id)
order by r.run_id

-- Whose data-drift results to show: the run's own, else its parent's, else the newest run that has some.
select d.run_id, r.batch_id, r.stage, r.started_at, r.model_version
from (select distinct run_id from data_drift_results) d
join pipeline_runs r using (run_id)
order by (d.run_id = $run_id) desc,
         (d.run_id = (select parent_run_id from pipeline_runs where run_id = $run_id)) desc,
         d.run_id desc
limit 1

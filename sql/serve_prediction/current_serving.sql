-- The serving of a batch consumers read now (rows not superseded by a later re-scoring), if the batch was served.
select run_id, min(served_at) as served_at, count(*) as n
from served_predictions
where batch_id = $batch_id
  and superseded_by_run is null
group by run_id
order by run_id desc

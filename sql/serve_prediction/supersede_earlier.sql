-- A re-scoring of a batch becomes its current serving: the earlier serving's rows name the run that replaced them.
update served_predictions
set superseded_by_run = $run_id
where batch_id = $batch_id
  and run_id <> $run_id
  and superseded_by_run is null

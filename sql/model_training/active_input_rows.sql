-- How many input rows the run that trained the active model processed (its data_processing step's rows_in): a
-- training run whose labelled rows are not as many cannot be on the same rows, so it need not fingerprint them
-- before its work (src/steps/model-training.ts, fingerprintDecides). No row, or null, where the run's steps were not
-- recorded here.
select rows_in
from step_runs
where run_id = $run_id
  and step_name = 'data_processing'
  and status = 'succeeded'

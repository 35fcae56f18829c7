-- A resumed prediction run redoes every step after data processing: their earlier rows go first.
delete from data_drift_results where run_id = $run_id

delete from drift_decisions where run_id = $run_id

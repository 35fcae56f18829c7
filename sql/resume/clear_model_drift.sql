delete from model_drift_results where run_id = $run_id

update pipeline_runs set batch_id = $batch_id where run_id = $run_id

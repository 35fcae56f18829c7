select run_id from pipeline_runs where parent_run_id = $run_id

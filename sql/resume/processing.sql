select processed_table from data_processing_metadata where run_id = $run_id and fitted_run_id = $run_id

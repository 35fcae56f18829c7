select predictions_table from promote_source.main.model_evaluation_metadata where run_id = $run_id

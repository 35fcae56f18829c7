select model_version from model_training_metadata where run_id = $run_id

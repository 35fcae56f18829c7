delete from batch_evaluations where run_id = $run_id

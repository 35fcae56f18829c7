select count(*) as n from served_predictions where run_id = $run_id

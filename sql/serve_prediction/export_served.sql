copy (
    select * from served_predictions where run_id = $run_id order by batch_id, source_row
) to {{path}} {{options}}

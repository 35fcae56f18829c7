-- The typed path gives way to the text path: the rows it inserted for this batch go (inside the same transaction).
delete from raw_data where batch_id = $batch_id

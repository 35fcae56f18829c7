-- How many rows the typed read put into raw_data for this batch.
select count(*) as n from raw_data where batch_id = $batch_id

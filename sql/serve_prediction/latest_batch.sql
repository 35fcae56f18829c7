select batch_id, rows_accepted, rows_labelled
from ingest_batches
where rows_accepted > 0
order by batch_id desc
limit 1

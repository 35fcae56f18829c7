select batch_id, rows_accepted, rows_labelled, source_file
from ingest_batches
where batch_id = $batch_id

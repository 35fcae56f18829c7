select rows_read, rows_accepted, rows_quarantined, rows_labelled, has_target
from ingest_batches
where batch_id = $batch_id

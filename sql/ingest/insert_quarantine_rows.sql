insert into quarantine (batch_id, source_row, raw_values, reasons, quarantined_at)
select $batch_id, source_row, raw_values, reasons, $now::timestamp
from ingest_rejected

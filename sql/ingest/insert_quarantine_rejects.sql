insert into quarantine (batch_id, source_row, raw_values, reasons, quarantined_at)
select $batch_id, line, to_json({'csv_line': csv_line}), ['malformed CSV record: ' || reason], $now::timestamp
from ingest_rejects

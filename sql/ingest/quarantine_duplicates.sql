-- Duplicate-key rows go to quarantine with the row they repeat (then out of raw_data: delete_duplicates.sql).
insert into quarantine (batch_id, source_row, raw_values, reasons, quarantined_at)
select $batch_id, d.source_row, {{raw_values}}, ['duplicate key: same ' || $key_label || ' as row ' || d.first_row::varchar], $now::timestamp
from ingest_numbered as n
join ingest_duplicates as d on d.source_row = n.source_row

insert into raw_data (batch_id, source_row, {{columns}})
select $batch_id, source_row, {{typed_values}}
from ingest_validated
where len(reasons) = 0
order by source_row

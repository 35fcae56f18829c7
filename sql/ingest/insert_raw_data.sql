-- The accepted rows, typed, in file order: every numbered row that breaks no rule (not in ingest_rejected).
insert into raw_data (batch_id, source_row, {{columns}})
select $batch_id, source_row, {{typed_values}}
from (
    select *, {{parsed_values}}
    from (select *, {{text_values}} from ingest_numbered)
)
{{accepted_filter}}
{{file_order}}

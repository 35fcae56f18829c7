-- One row per CSV record the reader could not split into the header's columns.
create or replace temp table ingest_rejects as
select
    line,
    string_agg(error_type || ': ' || error_message, '; ' order by column_idx) as reason,
    first(csv_line) as csv_line
from ingest_reject_errors
group by line

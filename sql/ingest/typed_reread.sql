-- The lines the typed path re-reads as text: the missing lines (for their reasons) and the accepted rows that repeat
-- a key (for their raw values), each with its index k in the extract (file order). The two never share a line (a
-- missing line is not in raw_data, a repeated key is): union all, no de-duplication.
create or replace temp table ingest_reread as
select line, row_number() over (order by line) - 1 as k
from (
    select line from ingest_gaps
    union all
    select source_row from ingest_duplicates
)

-- One row per CSV record the reader could not split into the header's columns: its record index, its physical line,
-- one reason per kind of error (the first message of each kind), and its text.
create or replace temp table ingest_rejects as
with
per_record as ({{reject_records}}),
placed as (
    select
        coalesce(m.k + (r.d_line - m.d), r.d_line - 2) as k,
        coalesce(m.p + (r.d_line - m.d), r.d_line) as line,
        r.reason,
        r.csv_line
    from per_record r
    asof left join ingest_line_map m on r.d_line >= m.d
)
select
    k,
    line,
    reason || case
        when line = $unclosed_quote_line and line = $last_line
            then ' (the quote opened on line ' || line::varchar || ', the last line, is never closed: is the file cut short?)'
        when line = $unclosed_quote_line
            then ' (the quote opened on line ' || line::varchar || ' is never closed, so lines ' || line::varchar || '-' || $last_line::varchar
                 || ', the rest of the file, were read as this one record)'
        else ''
    end as reason,
    csv_line
from placed

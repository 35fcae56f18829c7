-- One row per CSV record the reader could not split into the header's columns: its record index, its physical line,
-- one reason per kind of error (the first message of each kind), and its text.
create or replace temp table ingest_rejects as
with
per_kind as (
    select line, error_type, first(error_message order by column_idx) as message, first(csv_line) as csv_line
    from ingest_reject_errors
    group by line, error_type
),
per_record as (
    select
        line as d_line,
        string_agg(error_type || ': ' || message, '; ' order by error_type) as reason,
        ltrim(first(csv_line), chr(13) || chr(10)) as csv_line
    from per_kind
    group by line
),
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

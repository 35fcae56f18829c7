-- Each parsed record with its line in the file: records are one line each, so a record's line is its
-- ordinal + 1 (header) plus the rejected lines that came before it.
create or replace temp table ingest_numbered as
with
staged as (
    select rowid as ordinal, to_json(s) as raw_values, s.*
    from ingest_staging s
),
rejects as (
    select line, line - 1 - row_number() over (order by line) as parsed_before, row_number() over (order by line) as rejects_so_far
    from ingest_rejects
)
select
    s.ordinal + 2 + coalesce(r.rejects_so_far, 0) as source_row,
    s.* exclude (ordinal)
from staged s
asof left join rejects r on s.ordinal >= r.parsed_before

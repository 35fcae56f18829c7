-- csv_rejects.sql for the typed path's re-read: the extract's records the CSV reader could not split, each with its
-- record index k (extract line k + 2, under the header) and its line in the file (from ingest_reread), one reason per
-- kind of error, and its text. (The typed path takes no file with an unclosed quote: no note about one is needed.)
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
)
select r.d_line - 2 as k, x.line, r.reason, r.csv_line
from per_record as r
join ingest_reread as x on x.k = r.d_line - 2

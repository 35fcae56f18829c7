-- The records DuckDB's CSV reader could not split (ingest_reject_errors, one row per error), one row per record: its
-- line in the text read (d_line), one reason per kind of error (the first message of each kind) and its text. Used
-- as a subquery by csv_rejects.sql and typed_reread_rejects.sql, which place the records in the file.
select
    line as d_line,
    string_agg(error_type || ': ' || message, '; ' order by error_type) as reason,
    ltrim(first(csv_line), chr(13) || chr(10)) as csv_line
from (
    select line, error_type, first(error_message order by column_idx) as message, first(csv_line) as csv_line
    from ingest_reject_errors
    group by line, error_type
)
group by line

-- The line map (line_map.sql) of the extract of re-read lines: its record k is line k + 2 of the extract (under its
-- header) and line p of the file. Only the points where p - k changes are kept, as line_map.sql's points.
create or replace temp table ingest_line_map as
select k, k + 2 as d, line as p
from ingest_reread
qualify coalesce(lag(line - k) over (order by k), -1) <> line - k

-- numbered_rows.sql for the common case: no rejected record, no blank line and no quoted line break before the last
-- record, so record k is on line k + (p - k) of the one line-map point (k + 2 under a one-line header). A view: the
-- staged text is read in place, nothing is copied.
create or replace temp view ingest_numbered as
select rowid + coalesce((select min(p - k) from ingest_line_map), 2) as source_row, s.*, {{contract_columns}}
from ingest_staging as s({{positional}})

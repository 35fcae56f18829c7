-- numbered_rows.sql for the common case: no rejected record, no blank line and no quoted line break before the last
-- record, so record k is simply on line k + $first_line.
create or replace temp table ingest_numbered as
select rowid + $first_line as source_row, {{raw_values}} as raw_values, {{contract_columns}}
from ingest_staging as s({{positional}})

-- numbered_rows.sql for the typed path's re-read: each record of the extract (typed_reread.sql's lines, in file
-- order, one line each) with its line in the file. Extract record k is line k + 2 of the extract; the reader's parsed
-- records are the ones not in ingest_rejects, in order, so the staged row of ordinal o is the o-th of them. Equality
-- joins only: the tables are made inside the batch's transaction, where DuckDB does not know their sizes and would
-- plan an as-of join as a nested loop (rows × points). A view: nothing is copied.
create or replace temp view ingest_numbered as
with
staged as (
    select rowid - (select min(rowid) from ingest_staging) as ordinal, s.*, {{contract_columns}}
    from ingest_staging as s({{positional}})
),
parsed as (
    select line, row_number() over (order by k) - 1 as ordinal
    from ingest_reread
    where k not in (select k from ingest_rejects)
)
select p.line as source_row, s.* exclude (ordinal)
from staged as s
join parsed as p on p.ordinal = s.ordinal

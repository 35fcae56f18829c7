-- The lines the typed path re-reads (typed_reread.sql), in file order; as DOUBLE, read into a typed array (exact: a
-- line number is far below 2^53).
select line::double as line from ingest_reread order by k

-- The lines the typed path re-reads as text: the missing lines (for their reasons) and the accepted rows that repeat
-- a key (for their raw values), in file order.
select line from ingest_gaps
union
select source_row from ingest_duplicates
order by 1

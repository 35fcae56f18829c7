-- The row groups of raw_data in order, with their number of rows (deleted rows included: rowids are positional).
-- DuckDB scans a row group on one thread; a row group starts where the previous one ends, not at a multiple of
-- its nominal size (a parallel append leaves partly filled row groups), so the caller maps rowids to row groups
-- from these sizes.
select row_group_id, sum(count)::bigint as n
from pragma_storage_info('raw_data')
where column_id = 0
group by row_group_id
order by row_group_id

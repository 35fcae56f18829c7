-- How many cells raw_data spans (a cell is a block of $row_group_rows rowids, see src/steps/cell-moments.ts): the
-- per-cell aggregates over its rows are split into ranges of cells, one per thread.
select coalesce(max(rowid) // $row_group_rows + 1, 0)::bigint as cells
from raw_data

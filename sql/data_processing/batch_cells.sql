-- The cells a batch's rows lie in (a cell is a block of $row_group_rows rowids, see src/steps/cell-moments.ts):
-- first_cell ≤ cell < end_cell. A batch's per-cell aggregates are split over these only, so every thread gets a
-- share of the batch's rows (split over all of raw_data's cells, a new batch would fall in the last thread's range).
select
    coalesce(min(rowid) // $row_group_rows, 0)::bigint as first_cell,
    coalesce(max(rowid) // $row_group_rows + 1, 0)::bigint as end_cell
from raw_data
where batch_id = $batch_id

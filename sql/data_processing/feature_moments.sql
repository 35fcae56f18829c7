-- Per-feature statistics of the input rows, one row per cell (a block of raw_data's rowids) of the cells
-- $first_cell ≤ cell < $end_cell: for numerics count, mean, centred sum of squares, min and max; for categoricals each
-- level's count (and the missing ones). One statement per range of cells, each on one thread (so each cell is summed
-- in row order), the ranges at once; the caller combines the cells in cell order (src/steps/cell-moments.ts):
-- bit-identical run to run, whatever the number of threads.
select
    __row_group as cell,
    {{aggregates}}
from ({{input_rows}})
where __row_group >= $first_cell and __row_group < $end_cell
group by __row_group
order by __row_group

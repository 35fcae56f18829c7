-- Per-feature statistics of the input rows, one row per cell (a block of raw_data's rowids): for numerics count,
-- mean, centred sum of squares, min and max; for categoricals each level's count (and the missing ones). Run on one
-- thread with duckdb.deterministic, so each cell is summed in row order; the caller combines the cells in cell order
-- (src/steps/cell-moments.ts): bit-identical run to run.
select
    __row_group as cell,
    {{aggregates}}
from ({{input_rows}})
group by __row_group
order by __row_group

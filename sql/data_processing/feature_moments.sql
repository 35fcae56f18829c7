-- Per-feature statistics of the input rows, one row per cell (row group of raw_data): for numerics count, mean,
-- centred sum of squares, min and max; for categoricals each level's count (and the missing ones). DuckDB scans a
-- row group on one thread, so each cell is bit-identical run to run while the cells run in parallel; the caller
-- combines them in cell order (src/steps/cell-moments.ts).
select
    __row_group as cell,
    {{aggregates}}
from ({{input_rows}})
group by __row_group
order by __row_group

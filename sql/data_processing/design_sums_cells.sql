-- A training run's grouped sufficient statistics per cell (a block of raw_data's rowids, and batch) of the cells
-- $first_cell ≤ cell < $end_cell: one row per cell, batch, combination of category levels and side of the split
-- (is_test), with n, Σy, Σy² (y taken around $y_shift, the training mean target), Σx, Σxy, Σxx' over the numeric
-- features (already centred by processing), the rows' replay counts, their time range and the xor of the hashes of
-- their key and target. One statement per range of cells, each on one thread, so each cell is summed in row order
-- (its rows read by their range of rowids, __rowid, a filter DuckDB applies in the scan);
-- in cell order, so the ranges appended one after another make a table in cell order, which design_sums.sql adds up
-- (src/steps/cell-moments.ts says why that is bit-identical run to run).
with
shifted as (
    select *, {{target}} - $y_shift as __y
    from ({{processed_rows}})
    where __rowid >= $first_cell::bigint * $row_group_rows and __rowid < $end_cell::bigint * $row_group_rows
)
select
    {{group_columns}}
    is_test,
    __row_group,
    batch_id,
    count(*) as n,
    sum(__y) as sum_y,
    sum(__y * __y) as sum_yy,
    {{sums}},
    count(*) filter (where unseen_levels > 0) as rows_with_unseen_levels,
    sum(unseen_levels) as unseen_values,
    count(*) filter (where clipped_values > 0) as rows_out_of_range,
    sum(clipped_values) as out_of_range_values,
    count(*) filter (where imputed_values > 0) as rows_imputed,
    sum(imputed_values) as imputed_values,
    min({{timestamp}}) as min_time,
    max({{timestamp}}) as max_time,
    bit_xor(hash({{key_columns}}, {{target}})) as rows_hash
from shifted
group by all
order by __row_group, batch_id

-- Sufficient statistics of the training rows, one row per combination of category levels:
-- n, Σy, Σy², and Σx, Σxy, Σxx' over the numeric features, with y taken around $y_shift (the training
-- mean) and x already centred by processing, so no sum of large squares cancels. The dummy columns are
-- constant within a group, so the full XᵀX is assembled from these few rows in TypeScript; memory does
-- not grow with n. The sums are taken per cell first (a row group of raw_data, which DuckDB scans on one thread,
-- in row order), in parallel, and the cells then added in cell order: bit-identical run to run.
with
shifted as (
    select *, {{target}} - $y_shift as __y
    from {{train_view}}
),
cells as (
    select
        {{group_columns}}
        __row_group,
        count(*) as n,
        sum(__y) as sum_y,
        sum(__y * __y) as sum_yy,
        {{sums}}
    from shifted
    group by all
)
select
    {{group_columns}}
    sum(n)::bigint as n,
    sum(sum_y order by __row_group) as sum_y,
    sum(sum_yy order by __row_group) as sum_yy,
    {{combined_sums}}
from cells
group by all
order by all

-- A training run's grouped sufficient statistics, from one pass over its processed rows: one row per combination of
-- category levels and side of the split (is_test), with n, Σy, Σy² (y taken around $y_shift, the training mean
-- target), Σx, Σxy, Σxx' over the numeric features (already centred by processing), the rows' replay counts, their
-- time range, the xor of the hashes of their key and target, and their batches. The dummy columns are constant
-- within a group, so training assembles the full XᵀX from the training groups; the split's counts and processing's
-- summary come from the same rows. Summed per cell first (a block of raw_data's rowids, and batch, which also lists
-- the batches), in row order (one thread with duckdb.deterministic), then over the cells in cell order: bit-identical
-- run to run.
create table {{sums_table}} as
with
shifted as (
    select *, {{target}} - $y_shift as __y
    from {{processed_table}}
),
cells as (
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
)
select
    {{group_columns}}
    is_test,
    $y_shift::double as y_shift,
    sum(n)::bigint as n,
    sum(sum_y order by __row_group, batch_id) as sum_y,
    sum(sum_yy order by __row_group, batch_id) as sum_yy,
    {{combined_sums}},
    sum(rows_with_unseen_levels)::bigint as rows_with_unseen_levels,
    sum(unseen_values)::bigint as unseen_values,
    sum(rows_out_of_range)::bigint as rows_out_of_range,
    sum(out_of_range_values)::bigint as out_of_range_values,
    sum(rows_imputed)::bigint as rows_imputed,
    sum(imputed_values)::bigint as imputed_values,
    min(min_time) as min_time,
    max(max_time) as max_time,
    bit_xor(rows_hash) as rows_hash,
    list(distinct batch_id order by batch_id) as batches
from cells
group by all
order by all

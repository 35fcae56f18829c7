-- A training run's grouped sufficient statistics: one row per combination of category levels and side of the split
-- (is_test), with n, Σy, Σy² (y taken around $y_shift, the training mean target), Σx, Σxy, Σxx' over the numeric
-- features (already centred by processing), the rows' replay counts, their time range, the xor of the hashes of their
-- key and target, and their batches. The dummy columns are constant within a group, so training assembles the full
-- XᵀX from the training groups; the split's counts and processing's summary come from the same rows. The per-cell sums
-- (design_sums_cells.sql), whose table is in cell order, added up on one thread, so in cell order: bit-identical run
-- to run.
create table {{sums_table}} as
select
    {{group_columns}}
    is_test,
    $y_shift::double as y_shift,
    sum(n)::bigint as n,
    sum(sum_y) as sum_y,
    sum(sum_yy) as sum_yy,
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
from {{cells_table}}
group by all
order by all

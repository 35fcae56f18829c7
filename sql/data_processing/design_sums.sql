-- A training run's grouped sufficient statistics: one row per combination of category levels and side of the split
-- (is_test), with n, Σy, Σy² (y taken around $y_shift, the training mean target), Σx, Σxy, Σxx' over the numeric
-- features (centred, and scaled, by processing), the rows' replay counts, their time range, the xor of the hashes of
-- their key and target, and their batches. The dummy columns are constant within a group, so training assembles the
-- full XᵀX from the training groups; the split's counts and processing's summary come from the same rows.
-- Two kinds of cells: those whose rows are model-ready as they stand, summed around the shifts in the run's one pass
-- (fold_sums_cells.sql), added up per group and then centred and scaled exactly ({{centred_sums}}:
-- Σ(u−d)(u'−d') = Σuu' − d'Σu − dΣu' + n·d·d', with d = mean − shift), and those summed again from the processed rows
-- (design_sums_cells.sql), added up per group; a group's two parts are then added (two terms: in either order the
-- same). Each table is in cell order and added up on one thread, so in cell order: bit-identical run to run.
create table {{sums_table}} as
with
folded as (
    select
        {{group_columns}}
        is_test,
        sum(n)::bigint as n,
        sum(sum_v) as sum_v,
        sum(sum_vv) as sum_vv,
        {{shifted_sums}},
        min(min_time) as min_time,
        max(max_time) as max_time,
        bit_xor(rows_hash) as rows_hash,
        list(distinct batch_id order by batch_id) as batches
    from {{fold_cells_table}}
    where __row_group not in (select __row_group from {{redo_cells_table}})
    group by all
),
centred as (
    select
        {{group_columns}}
        is_test,
        n,
        sum_v - n * $y_offset::double as sum_y,
        sum_vv - 2 * $y_offset::double * sum_v + n * $y_offset::double * $y_offset::double as sum_yy,
        {{centred_sums}},
        0::bigint as rows_with_unseen_levels,
        0::bigint as unseen_values,
        0::bigint as rows_out_of_range,
        0::bigint as out_of_range_values,
        0::bigint as rows_imputed,
        0::bigint as imputed_values,
        min_time,
        max_time,
        rows_hash,
        batches
    from folded
),
redone as (
    select
        {{group_columns}}
        is_test,
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
    from {{redo_cells_table}}
    group by all
),
parts as (
    select * from centred
    union all by name
    select * from redone
)
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
    list_sort(list_distinct(flatten(list(batches)))) as batches
from parts
group by all
order by all

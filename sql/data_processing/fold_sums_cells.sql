-- A training run's one pass over its input rows, before anything is fitted: one row per cell (a block of raw_data's
-- rowids) of the cells $first_cell ≤ cell < $end_cell, batch, combination of the raw category levels and side of the
-- split (is_test) and set of missing numeric values (bit masks), with n; Σv and Σv² of the target taken around
-- $y_shift; and over the numeric features' raw values, each taken around its own shift (u = x − shift, the shifts from
-- fold_shifts.sql): Σu, Σuv, Σuu', min and max; the rows' time range, the xor of the hashes of their key and target,
-- the sum of the hashes of their contents (every contract column: the training's input fingerprint,
-- sql/model_training/input_fingerprint.sql), and the xor of the hashes of their ids (the step's input fingerprint, as
-- input_fingerprint.sql computes it). The processing's statistics (moments, bounds, level counts) follow from
-- the training side. A cell whose every row is model-ready as
-- it stands (no value clipped or imputed, no level unseen or missing: fold_dirty_cells.sql) needs no second pass:
-- its design sums follow from these by algebra (design_sums.sql); the other cells are summed again from the
-- processed rows (design_sums_cells.sql). One statement per range of cells, each on one thread, so each cell is
-- summed in row order, the cells in cell order (src/steps/cell-moments.ts); each reads its cells' rows by their range
-- of rowids (__rowid), a filter DuckDB applies in the scan (one on __row_group is evaluated on every row). A calendar term is read from its list of
-- values at its timestamp part (taken once per row), its min and max from the parts a group holds
-- (src/steps/design-stats.ts, foldCalendarSql); the null masks test the features' values once computed.
with
input_cells as (
    select *, {{calendar_parts}}
    from ({{input_rows}})
    where __rowid >= $first_cell::bigint * $row_group_rows and __rowid < $end_cell::bigint * $row_group_rows
),
feature_values as (
    select
        {{group_columns}}
        {{is_test}} as is_test,
        __row_group,
        batch_id,
        {{target}} - $y_shift as __v,
        {{timestamp}} as __time,
        hash({{key_columns}}, {{target}}) as __row_hash,
        hash({{input_columns}}) as __input_hash,
        hash(batch_id, source_row) as __id_hash,
        {{calendar_part_columns}}
        {{numeric_features}}
    from input_cells
),
shifted as (
    select *, {{null_masks}} {{shifted_features}}
    from feature_values
),
cell_sums as (
    select
        {{group_columns}}
        {{null_mask_columns}}
        is_test,
        __row_group,
        batch_id,
        count(*) as n,
        sum(__v) as sum_v,
        sum(__v * __v) as sum_vv,
        {{calendar_bits}}
        {{sums}},
        min(__time) as min_time,
        max(__time) as max_time,
        bit_xor(__row_hash) as rows_hash,
        sum(__input_hash) as input_hash,
        bit_xor(__id_hash) as ids_hash
    from shifted
    group by all
)
select * {{calendar_exclude}} {{calendar_bounds}}
from cell_sums
order by __row_group, batch_id

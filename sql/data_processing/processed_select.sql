-- Training: the model-ready rows of this run, read from raw_data. Missing values imputed, numeric features clipped
-- and scaled, categoricals mapped to known levels, with the fitted parameters written in as literals (a view holds no
-- parameters); is_test marks the rows the split holds out. The input rows are pinned to what this run read: batches
-- up to the newest at processing time, in the version that was then the latest (a row superseded by a later batch
-- stays in). __row_group is the block of raw_data's rowids the row sits in: the cell of the two-level sums over these
-- rows (design_sums_cells.sql). The run's processed view is this query (processed_view.sql); the design sums read it
-- directly, since they run on connections that do not see the step's open transaction.
with
input_rows as ({{input_rows}}),
feature_values as (
    select batch_id, source_row, __row_group, {{key_columns}}, {{target_select}}, {{raw_features}}, {{is_test}} as is_test
    from input_rows
)
select
    batch_id,
    source_row,
    {{key_columns}},
    {{target_select}},
    {{model_ready}},
    {{unseen_count}} as unseen_levels,
    {{out_of_range_count}} as clipped_values,
    {{imputed_count}} as imputed_values,
    is_test,
    __row_group
from feature_values

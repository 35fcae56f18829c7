-- The model-ready rows of a run, read from raw_data: missing values imputed, numeric features clipped and scaled,
-- categoricals mapped to known levels, with the fitted (or, for a batch, replayed) parameters; in training, is_test
-- marks the rows the split holds out (nothing was fitted on them). Made a table or a view by processed_rows.sql.
-- Training's is a view over raw_data pinned to what the run read (batches up to the newest at processing time, each
-- row in the version that was then the latest), the fitted values written in as literals (a view holds no
-- parameters), with {{row_group}} adding __row_group, the block of raw_data's rowids a row sits in: the cell of the
-- two-level sums over these rows (design_sums_cells.sql), which read this query directly, since they run on
-- connections that do not see the step's open transaction.
with
input_rows as ({{input_rows}}),
feature_values as (
    select batch_id, source_row{{row_group}}, {{key_columns}}, {{target_select}}, {{raw_features}}, {{is_test}} as is_test
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
    is_test{{row_group}}
from feature_values

-- The model-ready rows of this run: missing values imputed, numeric features clipped and scaled,
-- categoricals mapped to known levels, with the fitted (or replayed) parameters given as $p_* parameters;
-- in training, is_test marks the rows the split holds out (nothing was fitted on them). A prediction run makes it a
-- view over its batch (relation_kind view, the parameters written in as literals): the prediction reads through it.
create {{relation_kind}} {{processed_table}} as
with
input_rows as ({{input_rows}}),
feature_values as (
    select batch_id, source_row, {{key_columns}}, {{target_select}}, {{raw_features}}, {{is_test}} as is_test
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
    is_test
from feature_values

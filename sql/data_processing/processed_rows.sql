-- The model-ready rows of this run: numeric features clipped and scaled, categoricals mapped to
-- known levels, with the fitted (or replayed) parameters given as $p_* parameters.
create table {{processed_table}} as
with
input_rows as ({{input_rows}}),
feature_values as (
    select batch_id, source_row, {{key_columns}}, {{target_select}}, {{raw_features}}
    from input_rows
)
select
    batch_id,
    source_row,
    {{key_columns}},
    {{target_select}},
    {{model_ready}},
    {{unseen_count}} as unseen_levels,
    {{out_of_range_count}} as clipped_values
from feature_values

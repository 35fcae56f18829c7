-- The new model's predictions on the test rows.
create table {{predictions_table}} as
select
    batch_id,
    source_row,
    {{key_columns}},
    {{target}} as actual,
    {{new_prediction}} as prediction,
    null::double as active_prediction
from {{test_view}}

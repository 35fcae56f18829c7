-- The new and the active model's predictions on the same test rows, in key order, with no join and no sort: the
-- intervals table (the one pass over the test rows, in key order: key_order.sql) and the active model's predictions
-- on the same rows in the same order (active_predictions.sql, checked by active_alignment.sql), paired by position.
create table {{predictions_table}} as
select
    t.batch_id,
    t.source_row,
    {{key_columns}},
    t.actual,
    t.prediction,
    a.active_prediction
from {{intervals_table}} t
positional join temp.eval_active a

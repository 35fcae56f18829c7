-- The new and the active model's predictions on the same test rows, in key order, with no join and no sort: the
-- intervals table (the one pass over the test rows, in key order) and the active model's predictions on the same rows
-- in the same order (active_predictions.sql), paired by position; eval_metrics.sql checked both, row by row, in the
-- pass that summed the metrics over these rows in this order. A table, not a view like eval_predictions_view.sql:
-- a positional join is read on one thread, and model drift reads these rows in every prediction run.
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

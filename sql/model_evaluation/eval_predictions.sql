-- The new model's predictions on the test rows, taken from its intervals table (the one pass over the test rows,
-- eval_intervals_r{run}) instead of reading the test view again, where the intervals table is not in key order
-- (eval_metrics.sql counts its rows out of order): stored sorted by key (batch_id, source_row), since the metrics' single-threaded sums
-- (eval_metrics.sql) and later readers are bit-identical run to run only over rows in the same order. In key order,
-- eval_predictions_view.sql makes a view over the intervals table instead of this copy.
create table {{predictions_table}} as
select
    batch_id,
    source_row,
    {{key_columns}},
    actual,
    prediction,
    null::double as active_prediction
from {{intervals_table}}
order by batch_id, source_row

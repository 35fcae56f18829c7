-- The new model's predictions on the test rows, taken from its intervals table (the one pass over the test rows,
-- eval_intervals_r{run}) instead of reading the test view again. Stored in file order: the parallel join that
-- made the intervals returns rows in a varying order, and the metrics' single-threaded sums (eval_metrics.sql) are
-- bit-identical run to run only over rows in the same order.
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

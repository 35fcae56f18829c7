-- The new model's predictions on the test rows, taken from its intervals table (the one pass over the test rows,
-- eval_intervals_r{run}) instead of reading the test view again. Stored in key order (batch_id, source_row), file
-- order: the metrics' single-threaded sums (eval_metrics.sql) and later readers are bit-identical run to run only over
-- rows in the same order. The intervals table is written in raw_data's order, which is key order (key_order.sql
-- checks it): then {{order_by}} is empty and the rows are copied as they are, in one parallel order-preserving pass
-- with no sort (a sort of the test rows allocated 0.15–0.25 GB outside DuckDB's memory pool at 10M rows); otherwise
-- it sorts them.
create table {{predictions_table}} as
select
    batch_id,
    source_row,
    {{key_columns}},
    actual,
    prediction,
    null::double as active_prediction
from {{intervals_table}}
{{order_by}}

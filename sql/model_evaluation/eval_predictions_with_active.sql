-- The new and the active model's predictions on the same test rows. The new model's come from its intervals table
-- (the one pass over the test rows, eval_intervals_r{run}); the active model sees the rows through its own
-- processing (its features, levels, scaling and bounds), replayed from their raw values.
-- Stored in file order: a parallel join returns rows in a varying order, and the metrics' single-threaded sums
-- (eval_metrics.sql) are bit-identical run to run only over rows in the same order.
create table {{predictions_table}} as
with
test as (
    select batch_id, source_row, {{key_columns}}, actual, prediction
    from {{intervals_table}}
),
active_raw as (
    select batch_id, source_row, {{active_raw_features}}
    from raw_data r
    semi join test t on r.batch_id = t.batch_id and r.source_row = t.source_row
),
active_ready as (
    select batch_id, source_row, {{active_model_ready}}
    from active_raw
)
select test.*, {{active_prediction}} as active_prediction
from test
join active_ready a on a.batch_id = test.batch_id and a.source_row = test.source_row
order by test.batch_id, test.source_row

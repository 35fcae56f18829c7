-- The new model's predictions on the test rows, as a view over its intervals table (the one pass over the test rows,
-- eval_intervals_r{run}) rather than a second copy of them: the intervals table holds the same rows, keys, actuals
-- and predictions, in key order (batch_id, source_row), file order (eval_metrics.sql checked it), so a one-thread sum
-- over this view reads them in the order a copy would have held them (eval_metrics.sql and later readers are
-- bit-identical run to run). With a model active, its predictions (eval_active_r{run}, the test rows in the same
-- order: eval_metrics.sql checked them row by row) are paired with them by position ({{active_join}}), no join
-- and no sort; otherwise active_prediction is null. Where the rows are not in key order, eval_predictions.sql
-- (or eval_predictions_with_active.sql) stores them sorted instead.
create view {{predictions_table}} as
select
    t.batch_id,
    t.source_row,
    {{key_columns}},
    t.actual,
    t.prediction,
    {{active_prediction}} as active_prediction
from {{intervals_table}} t
{{active_join}}

-- The new model's predictions on the test rows, where no model was active, as a view over its intervals table (the
-- one pass over the test rows, eval_intervals_r{run}) rather than a second copy of them: the intervals table holds the
-- same rows, keys, actuals and predictions, in key order (batch_id, source_row), file order (eval_metrics.sql checked
-- it), so a one-thread sum over this view reads them in the order a copy would have held them (eval_metrics.sql and
-- later readers are bit-identical run to run). Where the rows are not in key order, eval_predictions.sql stores them
-- sorted instead; with an active model, eval_predictions_aligned.sql (or eval_predictions_with_active.sql) stores a table.
create view {{predictions_table}} as
select
    batch_id,
    source_row,
    {{key_columns}},
    actual,
    prediction,
    null::double as active_prediction
from {{intervals_table}}

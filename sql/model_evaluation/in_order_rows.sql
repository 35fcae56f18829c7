-- The held-out rows as eval_predictions_r{run} would hold them without a sort (eval_predictions_view.sql, or with a
-- model active eval_predictions_aligned.sql), each with what the checks of that need: the previous row's key (lag over
-- the scan's own order: a streaming window, no sort, no second scan) and, with a model active, the key of the active
-- model's prediction paired with it by position ({{active_join}}: temp.eval_active). Read by eval_metrics.sql on one
-- thread, so every scan is in storage order and the rows come in the order eval_predictions_r{run} then holds them.
-- The shorter side of a positional join is padded with nulls.
select
    t.batch_id,
    t.source_row,
    t.actual,
    t.prediction,
    {{active_prediction}} as active_prediction,
    {{active_batch_id}} as active_batch_id,
    {{active_source_row}} as active_source_row,
    lag(t.batch_id) over () as previous_batch_id,
    lag(t.source_row) over () as previous_source_row
from {{intervals_table}} t
{{active_join}}

-- The held-out rows as eval_predictions_r{run} would hold them without a sort (eval_predictions_view.sql, or with a
-- model active eval_predictions_aligned.sql), each with what the checks of that need: the next row's key (the
-- intervals table's scan paired with the same scan one row on) and, with a model active, the key of the active
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
    n.batch_id as next_batch_id,
    n.source_row as next_source_row
from {{intervals_table}} t
{{active_join}}
positional join (select batch_id, source_row from {{intervals_table}} offset 1) n

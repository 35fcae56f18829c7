-- The held-out rows as eval_predictions_r{run} would hold them without a sort (eval_predictions_view.sql, or with a
-- model active eval_predictions_aligned.sql), each marked by the checks that it may hold them so: out_of_order where
-- the row's key is not greater than the previous row's (batch_id, then source_row; lag over the scan's own order: a
-- streaming window, no sort, no second scan), and, with a model active ($with_active), mismatched where the active
-- model's prediction paired with it by position ({{active_join}}: temp.eval_active) is of another key (the shorter
-- side of a positional join is padded with nulls). Read by eval_metrics.sql on one thread, so every scan is in
-- storage order and the rows come in the order eval_predictions_r{run} then holds them; it counts both marks
-- (check_counts.sql).
with paired as (
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
)
select
    batch_id,
    source_row,
    actual,
    prediction,
    active_prediction,
    coalesce(previous_batch_id > batch_id or (previous_batch_id = batch_id and previous_source_row >= source_row), false) as out_of_order,
    $with_active and (batch_id is distinct from active_batch_id or source_row is distinct from active_source_row) as mismatched
from paired
